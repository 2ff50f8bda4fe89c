import FalClient
