"""The neural model: invariances, masks, overfitting, checkpoints, DDP."""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from eqlearn.data import generate_corpus
from eqlearn.data.dataset import SkeletonTable, make_sample
from eqlearn.model.batches import BatchStream, collate
from eqlearn.prior import PriorConfig
from eqlearn.expr import Vocabulary
from eqlearn.model import EquationModel, ModelConfig, ModelLoadError
from eqlearn.model.encoding import value_features
from eqlearn.search.decode import BeamDecoder

torch.set_num_threads(1)


#: the tiny model's sizes as TrainConfig.model takes them (the vocabulary sets its own)
TINY_SIZES = {k: v for k, v in ModelConfig.tiny().to_dict().items() if k != "vocab_size"}


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return EquationModel(ModelConfig.tiny(), Vocabulary.build()).eval()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    generate_corpus("default", 400, folder, seed=11, chunk_size=200, progress=False)
    return folder


def _batch(rng, sizes, n_vars=2, max_vars=3):
    samples = [(rng.normal(size=(n, n_vars)), rng.normal(size=n)) for n in sizes]
    return samples, collate(samples, max_vars)


def test_value_features_span_extreme_magnitudes():
    v = torch.tensor([1e-30, 1e-7, 1.0, 3.0, 1e13, 1e30, -2.0, 0.0, float("nan")],
                     dtype=torch.float64)
    f = value_features(v)
    assert f.dtype == torch.float32 and torch.isfinite(f).all()
    assert len({tuple(row.tolist()) for row in f}) == len(v)  # all distinguishable
    assert f[7, 3] == 1 and f[8, 4] == 1  # zero and non-finite flags


def test_encoder_is_invariant_to_point_order(tiny):
    rng = np.random.default_rng(0)
    samples, batch = _batch(rng, [50])
    perm = rng.permutation(50)
    X, y = samples[0]
    batch2 = collate([(X[perm], y[perm])], 3)
    a = tiny.encode(batch.points, batch.point_mask, batch.var_mask)
    b = tiny.encode(batch2.points, batch2.point_mask, batch2.var_mask)
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_padding_does_not_change_outputs(tiny):
    rng = np.random.default_rng(1)
    samples, batch = _batch(rng, [30, 80])
    alone = collate([samples[0]], 3)
    tokens = torch.tensor([[1, 5, 6]])
    padded = tiny(batch.points[:1], batch.point_mask[:1], batch.var_mask[:1], tokens)
    single = tiny(alone.points, alone.point_mask, alone.var_mask, tokens)
    torch.testing.assert_close(padded, single, rtol=1e-5, atol=1e-5)
    # token padding at the end does not change earlier positions (causal)
    longer = torch.tensor([[1, 5, 6, 0, 0]])
    out = tiny(alone.points, alone.point_mask, alone.var_mask, longer, longer == 0)
    torch.testing.assert_close(out[:, :3], single, rtol=1e-5, atol=1e-5)


@pytest.mark.slow  # ~11 s: a training run
def test_tiny_model_overfits_a_handful_of_skeletons():
    """Four skeletons that the data tell apart: a tiny model learns to name each of them."""
    torch.manual_seed(0)
    vocab = Vocabulary.build()
    model = EquationModel(ModelConfig.tiny(d_model=64, d_ff=128, n_dec_layers=2), vocab)
    skeletons = [["sin", "x1"], ["pow", "x1", "2"], ["exp", "x1"], ["abs", "x1"]]
    prior = PriorConfig.from_dict({"support": {"loguniform": 0.0, "uniform_bounds": [-3.0, 3.0],
                                               "uniform_min_width": 5.0, "points": [30, 40]}})
    table = SkeletonTable.from_tokens([(s, 1) for s in skeletons], prior, vocab, 48)
    stream = BatchStream([table], [1.0], vocab, batch_size=16, max_vars=3, max_points=40)
    rng = np.random.default_rng(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for _ in range(200):
        b = stream.next_batch(rng)
        logits = model(b.points, b.point_mask, b.var_mask, b.tokens[:, :-1], b.tokens[:, :-1] == 0)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), b.tokens[:, 1:].flatten(),
                                                 ignore_index=0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    decoder = BeamDecoder(model.eval())
    for tokens in skeletons:
        sample = make_sample(tokens, 1, prior, rng, 40)
        assert list(decoder.greedy(*sample).tokens) == tokens
    # the held-out figures agree: all four named, by greedy and by beam, all 2-3 tokens long
    from eqlearn.evaluation import evaluate_skeleton_recovery
    result = evaluate_skeleton_recovery(model, [table], beam_size=3, max_points=40)
    assert result["overall"]["n"] == 4 and result["by_n_vars"][1]["n"] == 4
    assert result["overall"]["greedy"] == result["overall"]["beam"] == 1.0
    overall = result["overall"]
    assert overall["greedy_placeholders"] == overall["beam_placeholders"] == 1.0
    assert result["by_length"] == {"1-5 tokens": result["overall"]}
    # named right, so each proposal also fits the points it was not fitted on
    fits = evaluate_skeleton_recovery(model, [table], beam_size=3, max_points=40,
                                      fit_r2=0.999)["overall"]
    assert fits["target_fit"] == fits["greedy_fit"] == fits["beam_fit"] == 1.0
    # a wider beam ordered by fit still names each first
    wide = evaluate_skeleton_recovery(model, [table], beam_size=3, max_points=40,
                                      rerank=6)["overall"]
    assert wide["rerank_greedy"] == wide["rerank"] == 1.0


@pytest.mark.parametrize("balance, expected", [(0.0, 0.1), (0.5, 0.25), (1.0, 0.5)])
def test_length_balance_flattens_the_skeleton_lengths(balance, expected):
    """One short skeleton among nine longer ones: uniform sampling draws it 1 time in 10,
    full balance as often as all long ones together; 0.5 weights by count ** -0.5 (1 : 9/3)."""
    vocab = Vocabulary.build()
    prior = PriorConfig.from_dict({"support": {"loguniform": 0.0, "uniform_bounds": [1.0, 3.0],
                                               "uniform_min_width": 1.0, "points": [20, 20]}})
    long = [[op, "x1", fn, "x1"] for op in ("add", "sub", "mul") for fn in ("sin", "cos", "exp")]
    table = SkeletonTable.from_tokens([(["exp", "x1"], 1)] + [(t, 1) for t in long],
                                      prior, vocab, 16)
    stream = BatchStream([table], [1.0], vocab, batch_size=500, max_vars=1, max_points=20,
                         length_balance=balance)
    rng = np.random.default_rng(1)
    # a whole pool of batches (8 of them), which are grouped by skeleton length
    lengths = np.concatenate([(stream.next_batch(rng).tokens != vocab.pad_id).sum(1).numpy()
                              for _ in range(8)])
    assert set(lengths) == {4, 6}  # <bos> ... <eos>
    assert abs(np.mean(lengths == 4) - expected) < 0.04
    with pytest.raises(ValueError, match="length_balance"):
        BatchStream([table], [1.0], vocab, 8, 1, 20, length_balance=2.0)


def test_batches_share_a_number_of_points_and_group_skeletons_by_length():
    """The encoder gets no padding (every row of a batch has the same number of points: the
    skeletons are finite everywhere on this support), while across batches the number stays
    uniform over the prior's range capped at ``max_points`` (10..30 here: mean 20); skeletons
    drawn a pool at a time are grouped by length, so the decoder sees little padding too."""
    vocab = Vocabulary.build()
    prior = PriorConfig.from_dict({"support": {"loguniform": 0.0, "uniform_bounds": [1.0, 3.0],
                                               "uniform_min_width": 1.0, "points": [10, 500]}})
    rows = [(["add", "x1", "x2"], 2), (["mul", "x1", "exp", "x1"], 1), (["sin", "x1"], 1)]
    stream = BatchStream([SkeletonTable.from_tokens(rows, prior, vocab, 16)], [1.0], vocab,
                         batch_size=8, max_vars=2, max_points=30)
    rng = np.random.default_rng(3)
    sizes = []
    for _ in range(300):
        batch = stream.next_batch(rng)
        assert bool(batch.point_mask.all())  # no padded point anywhere
        sizes.append(batch.points.shape[1])
    assert min(sizes) == 10 and max(sizes) == 30
    assert abs(np.mean(sizes) - 20) < 1.0

    def token_padding(pool):
        s = BatchStream([SkeletonTable.from_tokens(rows, prior, vocab, 16)], [1.0], vocab,
                        batch_size=8, max_vars=2, max_points=30, pool=pool)
        return np.mean([float((s.next_batch(rng).tokens == vocab.pad_id).float().mean())
                        for _ in range(64)])

    assert token_padding(pool=8) < 0.5 * token_padding(pool=1)
    # a single sample still draws its own number of points when no size is given
    drawn = {len(make_sample(["sin", "x1"], 1, prior, rng, 30)[1]) for _ in range(200)}
    assert min(drawn) == 10 and max(drawn) == 30
    # no cap: the prior's own range (10..500), as the held-out figures read it
    drawn = [len(make_sample(["sin", "x1"], 1, prior, rng, None)[1]) for _ in range(200)]
    assert min(drawn) >= 10 and max(drawn) <= 500 and abs(np.mean(drawn) - 255) < 25


def test_every_token_weighs_the_same_whichever_batch_it_is_in():
    """Training divides a batch's summed loss by the expected tokens of a batch
    (``mean_targets``, which matches what the stream draws, length balance included), not by
    the batch's own count; with that count given instead, the step is the plain mean's."""
    from eqlearn.train import autocast, training_step
    vocab = Vocabulary.build()
    prior = PriorConfig.from_dict({"support": {"loguniform": 0.0, "uniform_bounds": [1.0, 3.0],
                                               "uniform_min_width": 1.0, "points": [20, 20]}})
    rows = [(["exp", "x1"], 1)] + [([op, "x1", "sin", "x1"], 1) for op in ("add", "mul")]
    stream = BatchStream([SkeletonTable.from_tokens(rows, prior, vocab, 16)], [1.0], vocab,
                         batch_size=50, max_vars=3, max_points=20, length_balance=0.5)
    rng = np.random.default_rng(2)
    drawn = [int((stream.next_batch(rng).tokens[:, 1:] != vocab.pad_id).sum()) for _ in range(40)]
    # targets: 3 tokens (exp x1 <eos>) or 5; balance 0.5 draws the short one with p = 1/(1+2/sqrt2)
    p_short = 1 / (1 + 2 ** 0.5)
    assert stream.mean_targets() == pytest.approx(3 * p_short + 5 * (1 - p_short))
    assert np.mean(drawn) / 50 == pytest.approx(stream.mean_targets(), rel=0.03)
    batch = stream.next_batch(rng)
    n_tokens = int((batch.tokens[:, 1:] != vocab.pad_id).sum())
    amp = autocast(torch.device("cpu"), "fp32")
    steps, losses = [], []
    for norm in (None, n_tokens, 2 * n_tokens):
        torch.manual_seed(0)
        model = EquationModel(ModelConfig.tiny(), vocab)
        before = torch.cat([q.detach().flatten() for q in model.parameters()])
        optim = torch.optim.SGD(model.parameters(), lr=0.1)
        losses.append(training_step(model, optim, batch, amp, grad_clip=1e9,
                                    tokens_per_batch=norm)[0])
        steps.append(torch.cat([q.detach().flatten() for q in model.parameters()]) - before)
    torch.testing.assert_close(steps[0], steps[1])
    torch.testing.assert_close(steps[2], 0.5 * steps[0])  # half the weight per token (SGD)
    assert losses[0] == losses[1] == losses[2] > 0  # the logged loss: the mean per token


def test_bf16_mixed_precision_on_cpu_keeps_the_embedding_exact_and_learns():
    """Under bf16 autocast the value embedding still runs in float32 (bit for bit the fp32
    result), the logits stay within bf16 rounding of fp32, and training steps lower the loss."""
    from eqlearn.train import autocast, training_step
    torch.manual_seed(0)
    vocab = Vocabulary.build()
    model = EquationModel(ModelConfig.tiny(), vocab)
    rng = np.random.default_rng(3)
    _, batch = _batch(rng, [40, 25, 33, 40])
    rows = [[vocab.bos_id, *vocab.encode([f, "x1"]), vocab.eos_id]
            for f in ("sin", "exp", "sin", "exp")]
    batch.tokens = torch.tensor(rows)
    seen = []
    hook = model.encoder.embed.register_forward_hook(lambda m, i, o: seen.append(o))
    args = (batch.points, batch.point_mask, batch.var_mask, batch.tokens[:, :-1])
    fp32 = model(*args)
    with autocast(torch.device("cpu"), "bf16"):
        bf16 = model(*args)
    hook.remove()
    assert seen[1].dtype == torch.float32
    torch.testing.assert_close(seen[1], seen[0], rtol=0, atol=0)
    assert bf16.dtype == torch.bfloat16
    torch.testing.assert_close(bf16.float(), fp32, rtol=0.05, atol=0.05)
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = [training_step(model, optim, batch, autocast(torch.device("cpu"), "bf16"), 1.0)[0]
              for _ in range(40)]
    assert np.isfinite(losses).all() and losses[-1] < 0.3 * losses[0]
    with pytest.raises(ValueError, match="precision must be"):
        autocast(torch.device("cpu"), "fp16")
    # on a CPU under bf16 the attention runs on the plain kernels, not the fused flash one
    from torch.profiler import ProfilerActivity, profile
    for precision, flash in (("bf16", False), ("fp32", True)):
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            with autocast(torch.device("cpu"), precision):
                model(*args)
        names = {e.key for e in prof.key_averages()}
        assert any("flash_attention" in n for n in names) == flash, precision


def test_checkpoint_round_trip_gives_identical_outputs(tiny, tmp_path):
    tiny.save(tmp_path / "ck")
    loaded = EquationModel.load(tmp_path / "ck")
    rng = np.random.default_rng(2)
    _, batch = _batch(rng, [20])
    tokens = torch.tensor([[1, 7, 8, 9]])
    torch.testing.assert_close(loaded(batch.points, batch.point_mask, batch.var_mask, tokens),
                               tiny(batch.points, batch.point_mask, batch.var_mask, tokens),
                               rtol=0, atol=0)
    assert loaded.vocab == tiny.vocab and loaded.config == tiny.config
    assert not list(tmp_path.glob("ck/*.pt")) and not list(tmp_path.glob("ck/*.pkl"))


def test_a_checkpoints_record_reads_without_its_weights(tiny, tmp_path):
    meta = {"training": {"steps": 7}, "priors": {"p": {"name": "p"}}}
    folder = EquationModel(tiny.config, tiny.vocab, meta).save(tmp_path / "ck")
    (folder / "model.safetensors").unlink()  # the record alone is read
    assert EquationModel.read_meta(folder) == meta
    assert EquationModel.read_meta("default") == EquationModel.load("default").meta
    with pytest.raises(ModelLoadError, match="no model"):
        EquationModel.read_meta(tmp_path / "missing")


def test_bad_checkpoints_fail_clearly(tiny, tmp_path):
    with pytest.raises(ModelLoadError, match="no model"):
        EquationModel.load(tmp_path / "missing")
    folder = tiny.save(tmp_path / "ck")
    (folder / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelLoadError, match="corrupt"):
        EquationModel.load(folder)
    folder = tiny.save(tmp_path / "ck2")
    info = json.loads((folder / "config.json").read_text())
    info["format_version"] = 99
    (folder / "config.json").write_text(json.dumps(info))
    with pytest.raises(ModelLoadError, match="format"):
        EquationModel.load(folder)
    folder = tiny.save(tmp_path / "ck3")
    info = json.loads((folder / "config.json").read_text())
    info["model"]["d_model"] = 64
    (folder / "config.json").write_text(json.dumps(info))
    with pytest.raises(ModelLoadError, match="shape"):
        EquationModel.load(folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="corrupt"):
        EquationModel.load(folder)


def test_beam_search_returns_sorted_well_formed_skeletons(tiny):
    rng = np.random.default_rng(3)
    X, y = rng.uniform(1, 2, size=(30, 2)), rng.normal(size=30)
    hyps = BeamDecoder(tiny).beam_search(X, y, beam_size=8)
    assert hyps and [h.log_prob for h in hyps] == sorted((h.log_prob for h in hyps), reverse=True)
    from eqlearn.expr import from_prefix
    for h in hyps:
        tree = from_prefix(list(h.tokens))
        assert max(tree.variables(), default=-1) < 2  # only the data's variables
    samples = BeamDecoder(tiny).sample(X, y, n=16, seed=0)
    assert samples == BeamDecoder(tiny).sample(X, y, n=16, seed=0)
    for h in samples:
        from_prefix(list(h.tokens))


def test_training_run_saves_and_resumes(corpus, tmp_path):
    from eqlearn.train import TrainConfig, train
    cfg = TrainConfig(corpora=[str(corpus)], out=str(tmp_path / "run"), steps=6, batch_size=8,
                      valid_every=3, valid_size=5, log_every=3, max_points=30, warmup=2,
                      model=TINY_SIZES, threads=1)
    assert train(cfg)["step"] == 6
    cfg.steps = 9
    summary = train(cfg)  # resumes from last/
    assert summary["step"] == 9 and summary["samples_seen"] == 9 * 8
    log = [json.loads(l) for l in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert any(r.get("event") == "resumed" and r["step"] == 6 for r in log)
    assert EquationModel.load(tmp_path / "run" / "last").meta["training"]["steps"] == 9


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_saves_the_run_after_its_step_and_it_resumes(corpus, tmp_path,
                                                                    monkeypatch, signum):
    import eqlearn.train as training
    calls, step = [], training.training_step

    def signalled_step(*args, **kwargs):  # the signal arrives during the second step
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signum)
        return step(*args, **kwargs)

    monkeypatch.setattr(training, "training_step", signalled_step)
    before = signal.getsignal(signum)
    cfg = training.TrainConfig(corpora=[str(corpus)], out=str(tmp_path / "run"), steps=5,
                               batch_size=4, valid_every=5, valid_size=3, max_points=20,
                               warmup=1, threads=1, model=TINY_SIZES)
    summary = training.train(cfg)
    assert summary["step"] == 2 and summary["stopped_by"] == signum.name
    assert signal.getsignal(signum) == before  # the handlers are put back
    last = EquationModel.load(tmp_path / "run" / "last")
    assert last.meta["training"]["steps"] == 2 and last.meta["training"]["valid"] is None
    assert not (tmp_path / "run" / "best").exists()  # nothing validated yet
    summary = training.train(cfg)  # the same run resumes from step 2 to the end
    assert summary["step"] == 5 and summary["stopped_by"] is None
    assert summary["samples_seen"] == 5 * 4
    log = [json.loads(l) for l in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "event" in r] == [2, 2]  # stopped, then resumed there
    assert (tmp_path / "run" / "best").is_dir()


@pytest.mark.slow  # ~10 s: two torch processes
def test_ddp_with_two_cpu_processes(corpus, tmp_path):
    """Two gloo processes started by torchrun train one model in step."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
           "--master_port", "29731", "-m", "eqlearn", "train", "--corpus", str(corpus),
           "--out", str(tmp_path / "ddp"), "--size", "tiny", "--steps", "4", "--batch-size",
           "4", "--valid-every", "4", "--valid-size", "3", "--max-points", "20", "--warmup",
           "1", "--device", "cpu", "--threads", "1"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    meta = EquationModel.load(tmp_path / "ddp" / "last").meta["training"]
    assert meta["world_size"] == 2 and meta["samples_seen"] == 4 * 4 * 2


def test_incremental_decoding_matches_the_full_forward(tiny):
    from eqlearn.model.decoder import decode_step, start_decoding

    torch.manual_seed(1)
    memory = torch.randn(3, tiny.config.n_seeds, tiny.config.d_model)
    tokens = torch.randint(3, len(tiny.vocab), (3, 6))
    tokens[:, 0] = tiny.vocab.bos_id
    full = tiny.decoder(tokens, memory)
    state = start_decoding(tiny.decoder, memory)
    steps = torch.stack([decode_step(tiny.decoder, tokens[:, t], state) for t in range(6)], 1)
    torch.testing.assert_close(steps, full, rtol=1e-5, atol=1e-5)
    # beams reorder and repeat hypotheses: selecting rows of the cache keeps them exact
    state = start_decoding(tiny.decoder, memory)
    decode_step(tiny.decoder, tokens[:, 0], state)
    picked = state.select(torch.tensor([2, 2, 0]))
    out = decode_step(tiny.decoder, tokens[[2, 2, 0], 1], picked)
    torch.testing.assert_close(out, full[[2, 2, 0], 1], rtol=1e-5, atol=1e-5)


def test_fine_tuning_starts_from_the_given_model_and_keeps_its_history(corpus, tmp_path):
    from eqlearn.train import TrainConfig, train
    torch.manual_seed(0)
    base = EquationModel(ModelConfig.tiny(), Vocabulary.build(max_vars=10),
                         meta={"training": {"steps": 123, "samples_seen": 4567}})
    base.save(tmp_path / "base")
    cfg = TrainConfig(corpora=[str(corpus)], init=str(tmp_path / "base"),
                      out=str(tmp_path / "tuned"), steps=3, batch_size=4, valid_every=3,
                      valid_size=3, max_points=20, warmup=1, lr=1e-5, threads=1)
    assert train(cfg)["step"] == 3
    tuned = EquationModel.load(tmp_path / "tuned" / "last")
    assert tuned.config == base.config and tuned.meta["fine_tuned_from"] == str(tmp_path / "base")
    assert tuned.meta["history"] == [{"steps": 123, "samples_seen": 4567}]
    assert tuned.meta["training"]["steps"] == 3
    # three small steps from the base weights: close to them, but moved
    drift = [float((a - b).abs().max()) for a, b in
             zip(tuned.state_dict().values(), base.state_dict().values())]
    assert 0 < max(drift) < 1e-3


@pytest.mark.slow  # ~5 s: two training runs
def test_replay_mixes_the_priors_the_init_model_was_trained_on_back_in(tmp_path):
    from eqlearn.prior import load_prior
    from eqlearn.train import with_replay
    priors = {name: load_prior(name).to_dict() for name in ("polynomial", "default")}
    base = EquationModel(ModelConfig.tiny(), Vocabulary.build(max_vars=10),
                         meta={"priors": priors, "training": {"config": {"weights": [3, 2]}}})
    base.save(tmp_path / "base")
    corpora, weights = with_replay(["new"], [], str(tmp_path / "base"), 0.3, tmp_path / "old",
                                   60, seed=1)
    assert corpora == ["new", str(tmp_path / "old" / "polynomial"),
                       str(tmp_path / "old" / "default")]
    np.testing.assert_allclose(weights, [0.7, 0.3 * 3 / 5, 0.3 * 2 / 5])
    for name, prior in priors.items():  # each corpus drawn from the recorded prior, in full
        manifest = json.loads((tmp_path / "old" / name / "manifest.json").read_text())
        assert manifest["prior"] == json.loads(json.dumps(prior))
        assert manifest["written"] == 60
    for share, init, message in [(1.0, tmp_path / "base", "between 0 and 1"),
                                 (0.3, None, "--init")]:
        with pytest.raises(ValueError, match=message):
            with_replay(["new"], [], init, share, tmp_path / "old", 60)
    EquationModel(ModelConfig.tiny(), Vocabulary.build(max_vars=10)).save(tmp_path / "bare")
    with pytest.raises(ValueError, match="records no priors"):
        with_replay(["new"], [], str(tmp_path / "bare"), 0.3, tmp_path / "old", 60)
