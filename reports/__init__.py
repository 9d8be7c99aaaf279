"""HR reports: figures over groups, never over one person."""
