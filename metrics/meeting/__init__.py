"""What the meeting slides and the printed pack say."""
