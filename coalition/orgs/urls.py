"""The partner portal, under /partners/."""

from django.urls import path

from . import api_views, endorsement_views, signature_views, views

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
    path("<slug:slug>/api/", api_views.api_access, name="api"),
    path("<slug:slug>/api/keys/new/", api_views.api_key_create_view, name="api_key_create"),
    path("<slug:slug>/api/keys/<int:pk>/revoke/", api_views.api_key_revoke_view, name="api_key_revoke"),
    path("<slug:slug>/webhooks/new/", api_views.webhook_endpoint_create_view, name="webhook_endpoint_create"),
    path("<slug:slug>/webhooks/<int:pk>/", api_views.webhook_endpoint_view, name="webhook_endpoint"),
    path("<slug:slug>/webhooks/<int:pk>/secret/", api_views.webhook_endpoint_secret_view, name="webhook_secret"),
    path("<slug:slug>/webhooks/<int:pk>/active/", api_views.webhook_endpoint_active_view, name="webhook_active"),
    path("<slug:slug>/webhooks/<int:pk>/rotate/", api_views.webhook_endpoint_rotate_view, name="webhook_rotate"),
    path("<slug:slug>/webhooks/<int:pk>/delete/", api_views.webhook_endpoint_delete_view, name="webhook_delete"),
    path("<slug:slug>/webhooks/<int:pk>/test/", api_views.webhook_endpoint_ping_view, name="webhook_ping"),
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
