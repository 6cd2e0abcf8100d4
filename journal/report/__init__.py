"""The appointment report: a range of days on one or two printed pages, for the patient to
take to an appointment or share with their care team. `build.py` reads what it says, `svg.py`
draws its charts as static SVG (nothing depends on JavaScript on paper), `views.py` serves it."""
