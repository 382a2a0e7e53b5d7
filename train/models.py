"""Build the encoder + token-classification head and its tokenizer from the ``model`` config section."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Sequence

from model.encoding import arabert_preprocessor
from train.config import ModelConfig, TinyModelConfig

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_tiny_tokenizer(texts: Sequence[str], vocab_size: int):
    """A WordPiece tokenizer whose vocabulary is counted from ``texts``: the same texts give the same vocabulary
    in every process (the ``tokenizers`` trainer breaks ties through hash maps, which differ between runs).

    Pieces: special tokens, every character (as a word start and as ``##`` continuation), then the most frequent
    whole words, prefixes and ``##`` suffixes, ties broken by the piece itself.
    """
    from collections import Counter

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    normalizer = normalizers.BertNormalizer(clean_text=True, strip_accents=True, lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    chars: set[str] = set()
    counts: Counter = Counter()
    for text in texts:
        for word, _ in pre.pre_tokenize_str(normalizer.normalize_str(text)):
            chars.update(word)
            counts[word] += 3  # whole words first: they cost one piece
            for k in range(2, min(len(word), 6)):
                counts[word[:k]] += 1
            for k in range(max(1, len(word) - 4), len(word) - 1):
                counts["##" + word[k:]] += 1
    base = SPECIAL + sorted(chars) + sorted("##" + c for c in chars)
    room = max(vocab_size - len(base), 0)
    extra = [p for p, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if p not in set(base)][:room]
    vocab = {piece: i for i, piece in enumerate(base + extra)}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    # Harakat are stripped (NFD + drop marks): they are rare and inconsistent in report text.
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    tok.decoder = decoders.WordPiece()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=512,
    )


def tiny_model(cfg: TinyModelConfig, vocab_size: int, labels: Sequence[str], dropout: Optional[float] = None):
    """A randomly initialised small BERT for token classification (seed before calling for reproducibility)."""
    from transformers import BertConfig, BertForTokenClassification

    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=cfg.hidden_size,
        num_hidden_layers=cfg.num_hidden_layers,
        num_attention_heads=cfg.num_attention_heads,
        intermediate_size=cfg.intermediate_size,
        max_position_embeddings=cfg.max_position_embeddings,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={l: i for i, l in enumerate(labels)},
    )
    if dropout is not None:
        config.hidden_dropout_prob = config.attention_probs_dropout_prob = dropout
    return BertForTokenClassification(config)


def build(
    cfg: ModelConfig, labels: Sequence[str], train_texts: Sequence[str], work_dir: Path,
    tokenizer_dir: Optional[Path] = None,
):
    """Return ``(model, tokenizer, preprocess)`` with ``id2label``/``label2id`` written into the model config.

    ``tokenizer_dir`` (on resume) reuses the tokenizer saved at the start of the run instead of building one.
    """
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    id2label = dict(enumerate(labels))
    label2id = {l: i for i, l in enumerate(labels)}
    preprocess: Optional[Callable[[str], str]] = None
    if cfg.preprocess == "arabert":
        preprocess = arabert_preprocessor(cfg.arabert_model)
    if cfg.name == "tiny":
        tokenizer = (AutoTokenizer.from_pretrained(tokenizer_dir) if tokenizer_dir
                     else train_tiny_tokenizer(train_texts, cfg.tiny.vocab_size))
        model = tiny_model(cfg.tiny, len(tokenizer), labels, cfg.dropout)
    else:
        source: str | Path = cfg.name
        if cfg.name == "e5-small":
            from train.encoder import ensure_e5_small

            source = ensure_e5_small()
        if cfg.trim_vocab:
            name = "trimmed-encoder-arabic" if cfg.trim_keep_arabic else "trimmed-encoder"
            source = _trimmed(Path(source), train_texts, work_dir / name, preprocess, cfg.trim_keep_arabic)
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir or source)
        extra = {"hidden_dropout_prob": cfg.dropout} if cfg.dropout is not None else {}
        if cfg.num_layers is not None:
            extra["num_hidden_layers"] = _checked_layers(source, cfg.num_layers)
        model = AutoModelForTokenClassification.from_pretrained(
            source, num_labels=len(labels), id2label=id2label, label2id=label2id,
            ignore_mismatched_sizes=True, use_safetensors=True, **extra,
        )
        if cfg.num_layers is not None:
            model.config.war_ner_source_layers = list(range(cfg.num_layers))
            if cfg.layer_pick == "spread":
                _copy_spread_layers(model, source)
    model.config.war_ner_max_length = cfg.max_length
    model.config.war_ner_stride = cfg.stride
    if cfg.preprocess == "arabert":
        model.config.war_ner_preprocess = f"arabert:{cfg.arabert_model}"
    return model, tokenizer, preprocess


def _checked_layers(source: str | Path, wanted: int) -> int:
    """``wanted`` if the encoder has at least that many layers (transformers keeps the first ones)."""
    from transformers import AutoConfig

    have = int(getattr(AutoConfig.from_pretrained(source), "num_hidden_layers", 0))
    if wanted > have:
        raise ValueError(f"model.num_layers is {wanted} but {source} has {have} layers; "
                         f"expected 1..{have} (or null for all of them)")
    return wanted


def spread_layers(have: int, keep: int) -> list[int]:
    """``keep`` layer indices evenly over ``have`` layers, first and last included.

    >>> spread_layers(12, 6)
    [0, 2, 4, 7, 9, 11]
    >>> spread_layers(12, 1), spread_layers(4, 4)
    ([0], [0, 1, 2, 3])
    """
    if keep == 1:
        return [0]
    return [round(i * (have - 1) / (keep - 1)) for i in range(keep)]


def _copy_spread_layers(model, source: str | Path) -> None:
    """Overwrite the truncated model's layers with the source encoder's layers picked by ``spread_layers``."""
    from transformers import AutoModel

    full = AutoModel.from_pretrained(source, use_safetensors=True)
    picks = spread_layers(len(full.encoder.layer), len(model.base_model.encoder.layer))
    for j, i in enumerate(picks):
        model.base_model.encoder.layer[j].load_state_dict(full.encoder.layer[i].state_dict())
    model.config.war_ner_source_layers = picks


def _trimmed(source: Path, texts: Sequence[str], out_dir: Path, preprocess, keep_arabic: bool = False) -> Path:
    """The encoder with only the vocabulary rows the training texts use (built once per run directory)."""
    from train.encoder import trim_vocabulary

    if not source.is_dir():
        raise ValueError(f"model.trim_vocab needs a local encoder folder; {source} is not one. "
                         "Set model.trim_vocab=false for hub models")
    if not (out_dir / "config.json").exists():
        if preprocess is not None:
            texts = [" ".join(preprocess(w) for w in t.split()) for t in texts]
        trim_vocabulary(source, texts, out_dir, keep_arabic=keep_arabic)
    return out_dir
