"""Torch modules (HRNet+OCR, click guidance, FocalClick refiner) and safe weight loading.

Importing this package does not import torch; the submodules that need it do.
"""
