"""Online application (网上申报) in the online service hall: the items that may be applied for online, their
guides, the application with its files, the applicant's page of a case (notices, supplements, documents)."""
