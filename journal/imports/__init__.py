"""Bringing history into Tideline: Daylio's CSV export and Tideline's own CSV or ZIP.

- `daylio.py`, `tideline.py`: read a file (pure: bytes in, entries and bad lines out);
- `preview.py`: what the person sees and chooses before anything is saved (mood labels to
  0-10, activities to tags, several entries a day into one check-in, bad lines, days already
  here) and how their choices turn entries into days;
- `save.py`: the import itself, one transaction, through the journal's own services;
- `jobs.py`: an upload kept until it is imported, and the Celery task for large files with
  its progress;
- `views.py`, `forms.py`: the pages. The `import_daylio` management command reads the same.
"""
