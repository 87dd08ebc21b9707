"""The page tree every Coalition site needs: a home page with the letters index under it."""

from django.db import transaction
from wagtail.models import Page, Site

from .models import HomePage, LetterIndexPage
from .signoff import signoff_workflow_ensure


@transaction.atomic
def site_structure_ensure(*, hostname: str = "localhost", port: int = 80) -> tuple[HomePage, LetterIndexPage]:
    """Create (or find) the home page and /letters/, and point the default Site at home.

    Letters under /letters/ are published through the "Coalition sign-off" workflow.

    Idempotent: a second run changes nothing. Replaces Wagtail's placeholder
    "Welcome to your new Wagtail site!" page on a fresh database.
    """
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    if home is None:
        home = root.add_child(
            instance=HomePage(
                title="Coalition",
                slug="coalition",
                heading="Many organizations. One letter.",
                introduction=(
                    "Human rights organizations write a letter together, sign it as organizations, "
                    "open it to the public, and deliver it with every signature."
                ),
            )
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname=hostname, port=port, root_page=home, is_default_site=True, site_name="Coalition")
    elif site.root_page_id != home.pk:
        placeholder = site.root_page
        site.root_page = home
        site.save()
        if placeholder.specific_class is Page and not placeholder.get_children().exists():
            placeholder.delete()

    index = LetterIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(
            instance=LetterIndexPage(
                title="Letters",
                slug="letters",
                introduction="Every letter on Coalition: open for endorsement, open for signatures, or delivered.",
            )
        )
    signoff_workflow_ensure(index=index)
    return home, index
