"""Enrolled tablets (등록된 태블릿): caregivers log in only from a tablet a coordinator enrolled."""
