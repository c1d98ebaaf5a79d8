"""Consultation requests (상담 신청): a resident asks on the public site for a call back; the
request waits on the counselors' desk as a queue; the counselor who takes it calls, records the
consultation, and that consultation counts for 4-2 like any phone consultation."""
