"""Flask-WTF forms. Labels and messages are lazily translated."""
