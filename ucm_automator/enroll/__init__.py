"""User enrolment: inventory, credentials, plan, journal and the concurrent batch runner."""
