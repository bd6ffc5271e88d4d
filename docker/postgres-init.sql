-- The tracker store gets its own database next to the application database.
CREATE DATABASE rasa OWNER assistant;
