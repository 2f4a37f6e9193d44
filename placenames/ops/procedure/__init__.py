"""The naming procedure: applications, its steps, documents, experts and files."""
