"""Request and response models: `XCreate`, `XUpdate`, `XPublic`. Documents never go out as they are."""
