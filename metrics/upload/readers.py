"""Reading an upload's sheets: CSV or XLSX cells as text, with the spreadsheet's row numbers.

This is upload/'s public reader API; the work is in csv_reader.py, xlsx_reader.py, sheets.py
(what a sheet is, how its header is found) and limits.py. The file type comes from the content,
not the name. The work is bounded before anything is materialised (``Limits``): an XLSX sheet is
read element by element, only the cells it really has, and a CSV through a reader that stops at
the first row, column, cell or row length over a limit, each with a located error. A workbook that
cannot be read (truncated XML, a shared string that does not exist, a bad zip member) is a located
"damaged" error, never an exception. Validation of the cells is validate.py's job.
"""
from metrics.upload.csv_reader import decode_text, delimiter_of, read_csv
from metrics.upload.limits import Limits, column_letter, megabytes
from metrics.upload.sheets import (DAMAGED, HEADER_SEARCH, NOT_A_TABLE, OLE_MAGIC, ZIP_MAGIC, Match, Sheet,
                                   candidates, find_header, header_key, match_header)
from metrics.upload.xlsx_reader import open_workbook, read_xlsx, sheet_rows, xlsx_problem

__all__ = ["decode_text", "delimiter_of", "read_csv", "Limits", "column_letter", "megabytes",
           "DAMAGED", "HEADER_SEARCH", "NOT_A_TABLE", "OLE_MAGIC", "ZIP_MAGIC", "Match", "Sheet",
           "candidates", "find_header", "header_key", "match_header", "open_workbook", "read_xlsx",
           "sheet_rows", "xlsx_problem"]
