"""Usage of the public finder (이용 통계): searches a day, the words that found nothing, and
resource page views. Counts only: no address, no session, no person; a search term that
looks like a phone number or a registration number is counted without being kept."""
