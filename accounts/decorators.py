from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def patient_required(view):
    """Signed in, and a patient: care-team accounts have no journal of their own (404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_patient:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
