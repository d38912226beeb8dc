"""The one exception type for mistakes a user can make and fix.

The UI shows it with ``st.error`` and the CLI prints it as one ``error:`` line with exit status 2.
Anything else that escapes is a bug in this project and keeps its traceback.
"""


class StudioError(ValueError):
    """A problem with the user's data, settings or request, with a message that says how to fix it.

    It subclasses ``ValueError`` (as scikit-learn's ``InvalidParameterError`` does) so callers that
    already catch bad values keep working.
    """
