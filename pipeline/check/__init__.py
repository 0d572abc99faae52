"""`mcuforge check MODEL.tflite`: will this model work, and on which boards (no code generated)."""
