"""Streaming keyword spotting: the firmware's streaming application (firmware/app/mf_stream.c) on
a long recording, on the host or an emulated board, and its detections scored against labels."""
