"""Events (pairing programs): CRUD, lifecycle actions, deadlines, images."""
