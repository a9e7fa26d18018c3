"""Pages → text: OpenCV clean-up (`preprocess`), one Tesseract call per page (`tesseract`), and many
documents through a process pool (`reader`).
"""
