"""Settings, environment setup and the launcher: what runs the assistant, not what it knows."""
