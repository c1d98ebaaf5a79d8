"""The monthly review of the access log (접속기록 점검): who read how many people's records,
reads outside working hours, caregivers' reads of people not in their caseload, and bulk
downloads; an administrator marks the month reviewed with a note (안전성 확보조치 기준 제8조:
at least monthly)."""
