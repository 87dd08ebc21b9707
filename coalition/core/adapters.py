from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """Partner staff get accounts by invitation; nobody signs up on their own."""

    def is_open_for_signup(self, request):
        return False
