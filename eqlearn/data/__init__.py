"""Corpora: skeleton generation, fingerprints, benchmark suites, training datasets."""
from .fingerprint import Fingerprinter
from .generate import CorpusStats, canonical_skeleton, generate_corpus, read_corpus

__all__ = ["Fingerprinter", "canonical_skeleton", "generate_corpus", "read_corpus", "CorpusStats"]
