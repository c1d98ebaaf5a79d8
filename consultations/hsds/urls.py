"""``/hsds/``: the paths of HSDS 3.0's ``openapi.json``, exactly as it spells them (no trailing
slash: ``/hsds/services``, ``/hsds/services/{id}``), plus the bulk downloads. A trailing slash
is accepted too, since some clients add one; APPEND_SLASH sends ``/hsds`` to ``/hsds/``."""

from django.urls import path, re_path

from consultations.hsds import views

app_name = "hsds"

ID = r"(?P<id>[^/]+)"

urlpatterns = [
    path("", views.ApiInfo.as_view(), name="info"),
    path("openapi.json", views.OpenApiDocument.as_view(), name="openapi"),
    path("export.json", views.ExportJson.as_view(), name="export-json"),
    path("export.zip", views.ExportZip.as_view(), name="export-zip"),
    re_path(r"^services/?$", views.ServiceList.as_view(), name="services"),
    re_path(rf"^services/{ID}/?$", views.ServiceDetail.as_view(), name="service"),
    re_path(r"^organizations/?$", views.OrganizationList.as_view(), name="organizations"),
    re_path(rf"^organizations/{ID}/?$", views.OrganizationDetail.as_view(), name="organization"),
    re_path(
        r"^service_at_locations/?$",
        views.ServiceAtLocationList.as_view(),
        name="service-at-locations",
    ),
    re_path(
        rf"^service_at_locations/{ID}/?$",
        views.ServiceAtLocationDetail.as_view(),
        name="service-at-location",
    ),
    re_path(r"^taxonomies/?$", views.TaxonomyList.as_view(), name="taxonomies"),
    re_path(rf"^taxonomies/{ID}/?$", views.TaxonomyDetail.as_view(), name="taxonomy"),
    re_path(r"^taxonomy_terms/?$", views.TaxonomyTermList.as_view(), name="taxonomy-terms"),
    re_path(rf"^taxonomy_terms/{ID}/?$", views.TaxonomyTermDetail.as_view(), name="taxonomy-term"),
]
