"""Classical segmenters: no model, same clicks, same interface as the learned ones."""
