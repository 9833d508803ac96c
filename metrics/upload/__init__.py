"""Reading and validating an uploaded file: readers (CSV/XLSX bytes to sheets), cells (one value), validate (a sheet to a dataset's table), templates."""
