"""Zoho side of ucmauto: data centres, OAuth (grant code → refresh token), the token store."""
