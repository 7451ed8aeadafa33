"""An event's questionnaire: questions, their order, copying from an earlier event."""
