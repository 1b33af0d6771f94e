"""emdrill: spaced-repetition drills for engineering-manager behavioral interviews."""

__version__ = "0.1.0"
