"""Corpora: skeleton generation, fingerprints, benchmark suites, training samples."""
from .fingerprint import Fingerprinter
from .generate import CorpusStats, generate_corpus, read_corpus

__all__ = ["Fingerprinter", "generate_corpus", "read_corpus", "CorpusStats"]
