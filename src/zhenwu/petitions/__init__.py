"""petitions (信访事项): registration to written reply, statutory deadlines, public tracking."""
