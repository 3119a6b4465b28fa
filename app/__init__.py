"""The GitHub App (Flask behind gunicorn). The only part of mergeguard that serves HTTP; it holds no
scoring logic of its own."""
