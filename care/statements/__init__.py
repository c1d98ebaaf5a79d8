"""Hours, the monthly activity statement (활동 실적) and the programs' spend.

``selectors`` computes the figures (set-based, Seoul months, void visits never count),
``exports`` writes the statement as an xlsx for pay, ``api`` and ``views`` serve them.
"""
