"""zhenwu (镇务): the township government's system for petitions, mediation, duty, reports and safety."""
