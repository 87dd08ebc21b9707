from rest_framework.pagination import CursorPagination


class LetterCursorPagination(CursorPagination):
    """Stable pages over lists that grow while a client reads them."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = "-pk"
