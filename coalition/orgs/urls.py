"""The partner portal, under /partners/."""

from django.urls import path

from . import endorsement_views, signature_views, views

app_name = "partners"

urlpatterns = [
    path("", views.home, name="home"),
    # Before the organization routes: "invitations" is never read as an organization's slug here.
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("<slug:slug>/", views.organization_detail, name="organization"),
    path("<slug:slug>/profile/", views.profile, name="profile"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/invite/", views.invite, name="invite"),
    path("<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("<slug:slug>/invitations/<int:pk>/revoke/", views.invitation_revoke_view, name="invitation_revoke"),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/endorsements/", endorsement_views.endorsements, name="endorsements"),
    path("<slug:slug>/signatures/", signature_views.signatures, name="signatures"),
    path("<slug:slug>/letters/<int:letter_id>/endorse/", endorsement_views.endorse, name="endorse"),
    path(
        "<slug:slug>/endorsements/<int:pk>/reconfirm/",
        endorsement_views.endorsement_reconfirm_view,
        name="endorsement_reconfirm",
    ),
    path(
        "<slug:slug>/endorsements/<int:pk>/withdraw/",
        endorsement_views.endorsement_withdraw_view,
        name="endorsement_withdraw",
    ),
]
