"""ucmauto: connect Grandstream UCM IP-PBXs to Zoho CRM v2 without the manual steps."""

__version__ = "0.1.0"
