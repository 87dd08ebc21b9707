from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Stable pages over lists that grow while a client reads them (no page is skipped or repeated)."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    ordering = "-pk"


class PublicSignaturesPagination(NewestFirstCursorPagination):
    ordering = ("-confirmed_at", "-pk")


class PartnerSignaturesPagination(NewestFirstCursorPagination):
    """Oldest first, so a partner's sync can follow `next` to the end and resume from there later."""

    ordering = ("confirmed_at", "pk")
