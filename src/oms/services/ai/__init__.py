"""AI features: grounded learning advice and course recommendations, each with an offline path."""
