"""Plain-Python domain logic: no boto3, no network, no environment reads."""
