"""Cases (办件): one application for one adopted item at one centre. Tenant schema; each case is
mirrored in the public registry (registry app) in the same transaction."""
