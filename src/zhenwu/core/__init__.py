"""core: units, people and roles, scoping, the deadline engine, audit log and notifications."""
