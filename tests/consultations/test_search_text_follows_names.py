import pytest

from base.models import Region
from consultations.models import WelfareResource
from consultations.resources import resource_search
from tests.consultations.consultation_factories import WelfareResourceFactory


@pytest.mark.django_db
def test_a_renamed_region_finds_its_resources_by_the_new_name() -> None:
    # given a resource of 장수군
    region = Region.objects.get(code="jangsu")
    resource = WelfareResourceFactory(regions=["jangsu"])

    # when an administrator renames the region
    region.name = "장수새군"
    region.save()

    # then the directory finds the resource by the new name
    found = resource_search(WelfareResource.objects.all(), "장수새군")
    assert list(found.values_list("pk", flat=True)) == [resource.pk]
