#!/usr/bin/env python3
"""Goldens for vqgen's support of the research release (microsoft/VQ-Diffusion, commit d1d3948).

Builds tiny random-weight models from the release's own configs (configs/coco.yaml, configs/imagenet.yaml and the
taming codec yamls, shrunk), with the release's own modules, saves them the way the release does (the solver's
training checkpoint; a PyTorch Lightning codec checkpoint; the code mapping as a saved tensor), loads them back the
way inference_VQ_Diffusion.py does (``model`` then ``ema`` over the transformer), and records what the upstream
modules compute: text embeddings, transformer log-probabilities, decoded images (float32 and float64 runs, the
latter to size the tolerances), and whole generations on the CPU with ``torch.manual_seed`` (token grids and images).

Run with Debian's torch 1.13 (apt-get install python3-torch python3-torchvision python3-yaml python3-regex):

    git -C <mirror of microsoft/VQ-Diffusion> archive d1d3948 image_synthesis configs | tar -x -C /tmp/vqd
    /usr/bin/python3 tools/reference/research_goldens.py --upstream /tmp/vqd --out src/test/reference/research

Nothing of the upstream code is copied; it is imported from --upstream. Small shims stand in for packages Debian
does not ship and that these modules only touch at the edges (see ``install_shims``).
"""
import argparse
import gzip
import json
import os
import sys
import types

import numpy as np
import torch
import yaml

TEXT_STEPS = 10  # the research sampler has per-step reveal tables only for 10, 25, 50 and 100 steps
CLASS_STEPS = 10


def tuple_loader():
    """PyYAML's safe loader plus the release's `!!python/tuple [32, 32]` (as OmegaConf reads it: a list)."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("tag:yaml.org,2002:python/tuple", lambda l, n: l.construct_sequence(n))
    return Loader


def read_yaml(path):
    with open(path) as f:
        return yaml.load(f, Loader=tuple_loader())


class AttrDict(dict):
    """What OmegaConf.load gives the codec loaders: attribute access over nested dicts."""

    def __getattr__(self, key):
        value = self[key]
        return AttrDict(value) if isinstance(value, dict) else value


def rearrange(x, pattern, **sizes):
    """The five einops patterns the imported modules use."""
    if pattern == "b l c -> b c l":
        return x.permute(0, 2, 1)
    if pattern == "b (h w) c -> b c h w":
        b, n, c = x.shape
        return x.reshape(b, sizes["h"], n // sizes["h"], c).permute(0, 3, 1, 2)
    if pattern == "b c h w -> b (h w) c":
        b, c, h, w = x.shape
        return x.permute(0, 2, 3, 1).reshape(b, h * w, c)
    if pattern == "b (h w) -> b h w":
        return x.reshape(x.shape[0], sizes["h"], -1)
    if pattern == "(b h w) -> b h w":
        return x.reshape(sizes["b"], sizes["h"], sizes["w"])
    raise NotImplementedError(pattern)


def install_shims():
    # pytorch_lightning: the codec classes only subclass LightningModule; the callback class is what Lightning
    # keys a checkpoint's "callbacks" entry by (pickled by reference, never instantiated)
    pl = types.ModuleType("pytorch_lightning")
    pl.LightningModule = torch.nn.Module
    sys.modules["pytorch_lightning"] = pl
    for name in ["pytorch_lightning.callbacks", "pytorch_lightning.callbacks.model_checkpoint"]:
        sys.modules[name] = types.ModuleType(name)
    checkpoint_class = type("ModelCheckpoint", (), {"__module__": "pytorch_lightning.callbacks.model_checkpoint"})
    sys.modules["pytorch_lightning.callbacks.model_checkpoint"].ModelCheckpoint = checkpoint_class
    ein = types.ModuleType("einops")
    ein.rearrange = rearrange
    sys.modules["einops"] = ein
    omegaconf = types.ModuleType("omegaconf")
    omegaconf.OmegaConf = types.SimpleNamespace(load=lambda path: AttrDict(read_yaml(path)))
    sys.modules["omegaconf"] = omegaconf
    ftfy = types.ModuleType("ftfy")  # the prompts here are plain ASCII, which fix_text leaves as it is
    ftfy.fix_text = lambda text: text
    sys.modules["ftfy"] = ftfy
    # the transformers move the timestep to the GPU with t.cuda(); this CPU run keeps it where it is
    torch.Tensor.cuda = lambda self, *args, **kwargs: self


def save_gpu_style(obj, path):
    """torch.save with every storage recorded at 'cuda:0', as the release's checkpoints were written on GPUs."""
    import torch.serialization as ser
    original = ser.location_tag
    ser.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(obj, path)
    finally:
        ser.location_tag = original


def tiny_tokenizer_bpe(tokenizer_dir, out):
    """The release's tokenizer reads a gzipped merges file; vqgen's tiny CLIP-layout tokenizer written that way."""
    with open(os.path.join(tokenizer_dir, "merges.txt")) as f:
        lines = f.read().rstrip("\n").split("\n")
    with gzip.open(out, "wt") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines) - 1 + 256 + 2  # end_idx: merges + byte symbols + the two framing tokens


def shrink_text_config(coco, bpe, end_idx, vocab):
    cfg = coco["model"]
    codec = cfg["params"]["content_codec_config"]["params"]
    codec.update(token_shape=[8, 8], config_path="tiny_taming_gumbel.yaml", ckpt_path="tiny_taming_gumbel.pth",
                 num_tokens=64, quantize_number=40, mapping_path="tiny_mapping_40.pt")
    tok = cfg["params"]["condition_codec_config"]["params"]["tokenizer_config"]["params"]
    tok.update(end_idx=end_idx, bpe_path=bpe)
    diff = cfg["params"]["diffusion_config"]["params"]
    diff["diffusion_step"] = TEXT_STEPS
    diff["learnable_cf"] = True
    tr = diff["transformer_config"]["params"]
    tr.update(n_layer=2, content_seq_len=64, content_spatial_size=[8, 8], n_embd=64, condition_dim=64, n_head=2)
    ce = diff["condition_emb_config"]["params"]
    ce.update(num_embed=vocab, embed_dim=64)
    diff["content_emb_config"]["params"].update(num_embed=40, spatial_size=[8, 8], embed_dim=64)
    return {"model": cfg}


def shrink_class_config(imagenet):
    cfg = imagenet["model"]
    codec = cfg["params"]["content_codec_config"]["params"]
    codec.update(token_shape=[4, 4], config_path="tiny_taming_vq.yaml", ckpt_path="tiny_taming_vq.pth",
                 num_tokens=48, quantize_number=30, mapping_path="tiny_mapping_30.pt")
    diff = cfg["params"]["diffusion_config"]["params"]
    diff["diffusion_step"] = CLASS_STEPS
    tr = diff["transformer_config"]["params"]
    tr.update(n_layer=2, content_seq_len=16, content_spatial_size=[4, 4], n_embd=32, n_head=2, mlp_hidden_times=1)
    diff["condition_emb_config"]["params"].update(embed_dim=32)
    # as in the release (content 16x16, embedding grid 32x32), the position embeddings span a larger grid
    diff["content_emb_config"]["params"].update(num_embed=30, spatial_size=[8, 8], embed_dim=32)
    return {"model": cfg}


def shrink_gumbel(taming):
    p = taming["model"]["params"]
    p.update(embed_dim=32, n_embed=64)
    p["ddconfig"].update(z_channels=32, resolution=16, ch=32, ch_mult=[1, 1], num_res_blocks=1, attn_resolutions=[8])
    return taming


def shrink_vq(taming):
    p = taming["model"]["params"]
    p.update(embed_dim=32, n_embed=48)
    p["ddconfig"].update(z_channels=32, resolution=8, ch=32, ch_mult=[1, 1], num_res_blocks=1, attn_resolutions=[4])
    # the release trains with LPIPS + a discriminator, whose weights need a download; they never decode
    p["lossconfig"] = {"target": "image_synthesis.taming.modules.losses.vqperceptual.DummyLoss"}
    return taming


def write_yaml(obj, path):
    with open(path, "w") as f:
        yaml.safe_dump(obj, f, sort_keys=False)


def randomize(module, seed, scale=0.35):
    """Weights far from their (mostly zero/one) init, so every parameter shows in the outputs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float64) * scale
            if name.endswith("weight") and p.dim() == 1:
                noise = noise + 1  # norm gains around one
            p.copy_(noise.to(p.dtype))


def lightning_checkpoint(codec_model, path, extra_loss_weights):
    state = codec_model.state_dict()
    for key, shape in extra_loss_weights.items():
        state[key] = torch.randn(shape)
    from pytorch_lightning.callbacks.model_checkpoint import ModelCheckpoint
    ckpt = {
        "epoch": 12, "global_step": 3456, "pytorch-lightning_version": "1.0.8",
        "callbacks": {ModelCheckpoint: {"monitor": "val/rec_loss", "best_model_score": torch.tensor(0.125),
                                        "best_model_path": "/logs/checkpoints/last.ckpt"}},
        "optimizer_states": [{"state": {0: {"step": 10, "exp_avg": torch.zeros(4)}},
                              "param_groups": [{"lr": 4.5e-6, "betas": (0.5, 0.9), "params": [0]}]}],
        "lr_schedulers": [],
        "state_dict": state,
    }
    save_gpu_style(ckpt, path)


def mapping(full, kept, seed, path):
    """A code mapping like the release's: every full code to one of `kept`, each kept code used."""
    g = torch.Generator().manual_seed(seed)
    full_to_quantize = torch.cat([torch.arange(kept), torch.randint(0, kept, (full - kept,), generator=g)])
    full_to_quantize = full_to_quantize[torch.randperm(full, generator=g)]
    torch.save(full_to_quantize, path)


def solver_checkpoint(model, path, seed, optimize_all=False):
    """The release's solver checkpoint: model, ema of the transformer, clip-grad state, optimizer and scheduler
    (AdamW state of a few parameters, or of every trainable one as in a real training checkpoint)."""
    g = torch.Generator().manual_seed(seed)
    ema = {}
    for key, value in model.transformer.state_dict().items():
        if value.is_floating_point() and not key.startswith("log_") and not key.startswith("Lt_"):
            value = value + (torch.randn(value.shape, generator=g, dtype=torch.float64) * 0.05).to(value.dtype)
        ema[key] = value.clone()
    params = [p for p in model.parameters() if p.requires_grad]
    params = params if optimize_all else params[:3]
    optimizer = torch.optim.AdamW(params, lr=3e-6, betas=(0.9, 0.96), weight_decay=4.5e-2)
    for p in params:
        p.grad = torch.zeros_like(p)
    optimizer.step()
    for p in params:
        p.grad = None
    ckpt = {
        "last_epoch": 9, "last_iter": 999, "model": model.state_dict(), "ema": ema,
        "clip_grad_norm": {"start_iteration": 0, "end_iteration": 5000, "max_norm": 0.5, "last_epoch": 999},
        "optimizer_and_scheduler": {"none": {
            "name": "none", "start_epoch": 0, "end_epoch": -1, "start_iteration": 0, "end_iteration": -1,
            "optimizer": {"module": optimizer.state_dict(), "step_iteration": 1},
            "scheduler": {"module": {"factor": 0.5, "min_lrs": [1e-6], "patience": 60000, "mode": "min",
                                     "best": float("inf"), "mode_worse": float("inf"), "warmup_lr": 2e-4,
                                     "warmup_lrs": [2e-4], "_last_lr": [3e-6], "last_epoch": 999},
                          "step_iteration": 1}}},
    }
    save_gpu_style(ckpt, path)


def shrink_learned_cf(model):
    """DiffusionTransformer hard-codes its learnable classifier-free embeddings as (77, 512) float64, the release's
    text width; a shrunk model gets them at its own text width."""
    dt = model.transformer
    if hasattr(dt, "empty_text_embed"):
        width = dt.condition_emb.transformer.width
        dt.empty_text_embed = torch.nn.Parameter(torch.zeros(77, width, dtype=torch.float64))
    return model


def research_load(config_path, ckpt_path, imagenet_cf=False):
    """inference_VQ_Diffusion.VQ_Diffusion.get_model: build from the yaml (one more class for imagenet_cf),
    load `model`, then `ema` over the transformer."""
    from image_synthesis.modeling.build import build_model
    config = read_yaml(config_path)
    if imagenet_cf:
        config["model"]["params"]["diffusion_config"]["params"]["transformer_config"]["params"]["class_number"] = 1001
    model = shrink_learned_cf(build_model(config))
    ckpt = torch.load(ckpt_path, map_location="cpu")
    missing, unexpected = model.load_state_dict(ckpt["model"], strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    if "ema" in ckpt:
        missing, unexpected = model.get_ema_model().load_state_dict(ckpt["ema"], strict=False)
        assert not missing and not unexpected, (missing, unexpected)
    model.eval()
    for p in model.parameters():
        p.requires_grad = False
    return model


def save(out, name, array):
    os.makedirs(os.path.dirname(os.path.join(out, name)), exist_ok=True)
    np.save(os.path.join(out, name), np.ascontiguousarray(array))


def float64_copy(config_path, ckpt_path, imagenet_cf=False):
    """The same model in float64, to measure what float32 rounding alone moves. CLIP's LayerNorm computes in
    float32 whatever its input; here it computes in float64 like everything else."""
    from image_synthesis.modeling.modules.clip import model as clip_model
    model = research_load(config_path, ckpt_path, imagenet_cf).double()
    for m in model.modules():
        if isinstance(m, clip_model.LayerNorm):
            m.forward = types.MethodType(torch.nn.LayerNorm.forward, m)
    return model


def decode64(model64, grid):
    """content_codec.decode in float64: its one-hot codebook lookup is float32-only, so the (exact) row lookup is
    taken directly; post_quant_conv, decoder and the [0, 1] mapping are the codec's own."""
    codec = model64.content_codec
    idx = codec.quantize_to_full[grid]
    quantize = codec.dec.quantize
    table = quantize.embed.weight if hasattr(quantize, "embed") else quantize.embedding.weight
    b, n = idx.shape
    side = int(n ** 0.5)
    z = table[idx.reshape(-1)].reshape(b, side, side, -1).permute(0, 3, 1, 2)
    x = codec.dec.decoder(codec.dec.post_quant_conv(z))
    return (torch.clamp(x, -1.0, 1.0) + 1.0) / 2.0


def text_goldens(out):
    """Text embeddings, log-probabilities, decoding and generations of the text model."""
    model = research_load("tiny_text.yaml", "tiny_text.pth")
    model64 = float64_copy("tiny_text.yaml", "tiny_text.pth")
    # the release runs CLIP in float16 on GPUs; torch's CPU has no float16 matmul, so both runs compute it in the
    # precision of the run (the float16-stored weights are exact in either)
    model.transformer.condition_emb.float()
    prompts = ["a red bus on a street", "a cat"]
    tokens = model.condition_codec.get_tokens(prompts)["token"]
    empty = model.condition_codec.get_tokens([""])["token"]
    save(out, "text/prompt_ids.npy", tokens.numpy())
    save(out, "text/empty_ids.npy", empty.numpy())
    emb = model.transformer.condition_emb(tokens.clone()).float()
    emb64 = model64.transformer.condition_emb(tokens.clone())
    save(out, "text/embeddings_f32.npy", emb.numpy())
    save(out, "text/embeddings_f64.npy", emb64.numpy())

    g = torch.Generator().manual_seed(11)
    n = model.transformer.num_classes
    x_t = torch.randint(0, n, (2, 64), generator=g)
    x_t[0, :20] = n - 1
    save(out, "text/x_t.npy", x_t.numpy())
    for t in [0, 6, 9]:
        tt = torch.full((2,), t, dtype=torch.long)
        log_x = torch.log(torch.nn.functional.one_hot(x_t, n).permute(0, 2, 1).float().clamp(min=1e-30))
        lp = model.transformer.predict_start(log_x, emb, tt)[:, :-1]
        logits64 = model64.transformer.transformer(x_t, emb64, tt)
        lp64 = torch.log_softmax(logits64, dim=1)
        save(out, f"text/log_px0_t{t}_f32.npy", lp.numpy())
        save(out, f"text/log_px0_t{t}_f64.npy", lp64.numpy())
    cf = model.transformer.empty_text_embed.unsqueeze(0).float()
    lp_cf = model.transformer.predict_start(
        torch.log(torch.nn.functional.one_hot(x_t[:1], n).permute(0, 2, 1).float().clamp(min=1e-30)), cf,
        torch.full((1,), 6, dtype=torch.long))[:, :-1]
    save(out, "text/log_px0_learned_cf_t6_f32.npy", lp_cf.numpy())

    grid = torch.randint(0, 40, (2, 64), generator=g)
    save(out, "text/decode_tokens.npy", grid.numpy())
    save(out, "text/decode_f32.npy", (model.content_codec.decode(grid) / 255).numpy())
    save(out, "text/decode_f64.npy", decode64(model64, grid).numpy())

    cases = [
        dict(name="learned_cf_g3_r086", prompt="a red bus on a street", seed=7, guidance=3.0, truncation=0.86,
             learnable_cf=True, infer_speed=False, images=1),
        dict(name="empty_cf_g5_r1", prompt="a cat", seed=123, guidance=5.0, truncation=1.0, learnable_cf=False,
             infer_speed=False, images=2),
        dict(name="no_guidance_r09", prompt="a cat", seed=2, guidance=1.0, truncation=0.9, learnable_cf=True,
             infer_speed=False, images=1),
        dict(name="fast2_learned_cf_g3", prompt="a red bus on a street", seed=9, guidance=3.0, truncation=1.0,
             learnable_cf=True, infer_speed=2, images=1),
    ]
    for case in cases:
        m = research_load("tiny_text.yaml", "tiny_text.pth")
        m.transformer.condition_emb.float()
        m.guidance_scale = case["guidance"]
        m.learnable_cf = m.transformer.learnable_cf = case["learnable_cf"]
        add = "r,time" + str(case["infer_speed"]) if case["infer_speed"] else "r"
        torch.manual_seed(case["seed"])
        with torch.no_grad():
            content = m.generate_content(batch={"text": [case["prompt"]], "image": None}, filter_ratio=0,
                                         replicate=case["images"], content_ratio=1, return_att_weight=False,
                                         sample_type="top" + str(case["truncation"]) + add)["content"]
        tokens = capture["tokens"]
        save(out, f"text/generate_{case['name']}_tokens.npy", tokens.numpy())
        save(out, f"text/generate_{case['name']}_images.npy", (content / 255).numpy())
    return cases


def class_goldens(out):
    model = research_load("tiny_class.yaml", "tiny_class.pth", imagenet_cf=True)
    model64 = float64_copy("tiny_class.yaml", "tiny_class.pth", imagenet_cf=True)
    g = torch.Generator().manual_seed(13)
    n = model.transformer.num_classes
    x_t = torch.randint(0, n, (2, 16), generator=g)
    x_t[1, 5:] = n - 1
    labels = torch.tensor([3, 1000])  # 1000: the unconditional label C_DALLE guides with
    save(out, "class/x_t.npy", x_t.numpy())
    save(out, "class/labels.npy", labels.numpy())
    for t in [0, 4, 9]:
        tt = torch.full((2,), t, dtype=torch.long)
        log_x = torch.log(torch.nn.functional.one_hot(x_t, n).permute(0, 2, 1).float().clamp(min=1e-30))
        for which, label in [("cond", labels[:1].repeat(2)), ("uncond", labels[1:].repeat(2))]:
            lp = model.transformer.predict_start(log_x, label.float(), tt)[:, :-1]
            lp64 = torch.log_softmax(model64.transformer.transformer(x_t, label.double(), tt), dim=1)
            save(out, f"class/log_px0_{which}_t{t}_f32.npy", lp.numpy())
            save(out, f"class/log_px0_{which}_t{t}_f64.npy", lp64.numpy())
    pretrained = research_load("tiny_class.yaml", "tiny_class_pretrained.pth")
    pretrained64 = float64_copy("tiny_class.yaml", "tiny_class_pretrained.pth")
    tt = torch.full((2,), 4, dtype=torch.long)
    log_x = torch.log(torch.nn.functional.one_hot(x_t, n).permute(0, 2, 1).float().clamp(min=1e-30))
    unconditional = labels[1:].repeat(2)
    save(out, "class/pretrained_log_px0_uncond_t4_f32.npy",
         pretrained.transformer.predict_start(log_x, unconditional.float(), tt)[:, :-1].numpy())
    save(out, "class/pretrained_log_px0_uncond_t4_f64.npy", torch.log_softmax(
        pretrained64.transformer.transformer(x_t, unconditional.double(), tt), dim=1).numpy())
    grid = torch.randint(0, 30, (2, 16), generator=g)
    save(out, "class/decode_tokens.npy", grid.numpy())
    save(out, "class/decode_f32.npy", (model.content_codec.decode(grid) / 255).numpy())
    save(out, "class/decode_f64.npy", decode64(model64, grid).numpy())
    cases = [dict(name="label3_g15_r094", label=3, seed=5, guidance=1.5, truncation=0.94, images=2),
             dict(name="label7_no_guidance_r1", label=7, seed=8, guidance=1.0, truncation=1.0, images=1)]
    for case in cases:
        m = research_load("tiny_class.yaml", "tiny_class.pth", imagenet_cf=True)
        m.guidance_scale = case["guidance"]
        torch.manual_seed(case["seed"])
        with torch.no_grad():
            content = m.generate_content(batch={"label": [case["label"]], "image": None}, filter_ratio=0,
                                         replicate=case["images"], content_ratio=1, return_att_weight=False,
                                         sample_type="top" + str(case["truncation"]) + "r")["content"]
        save(out, f"class/generate_{case['name']}_tokens.npy", capture["tokens"].numpy())
        save(out, f"class/generate_{case['name']}_images.npy", (content / 255).numpy())
    return cases


capture = {}


def capture_tokens():
    """Keep the sampled token grid of each generation (the codec decodes it right away)."""
    from image_synthesis.modeling.codecs.image_codec import taming_gumbel_vqvae as codecs
    for cls in [codecs.TamingGumbelVQVAE, codecs.TamingVQVAE]:
        decode = cls.decode

        def wrapped(self, img_seq, _decode=decode):
            capture["tokens"] = img_seq.clone()
            return _decode(self, img_seq)

        cls.decode = wrapped


def build_text(upstream, tokenizer_dir):
    coco = read_yaml(os.path.join(upstream, "configs/coco.yaml"))
    taming = read_yaml(os.path.join(upstream, "OUTPUT/pretrained_model/taming_dvae/taming_f8_8192_openimages.yaml"))
    write_yaml(shrink_gumbel(taming), "tiny_taming_gumbel.yaml")
    end_idx = tiny_tokenizer_bpe(tokenizer_dir, "tiny_bpe.txt.gz")
    vocab = len(json.load(open(os.path.join(tokenizer_dir, "vocab.json"))))
    write_yaml(shrink_text_config(coco, "tiny_bpe.txt.gz", end_idx, vocab), "tiny_text.yaml")

    from image_synthesis.taming.models.vqgan import GumbelVQ
    cfg = read_yaml("tiny_taming_gumbel.yaml")["model"]["params"]
    codec = GumbelVQ(**cfg)
    randomize(codec, 1)
    lightning_checkpoint(codec, "tiny_taming_gumbel.pth", {})
    mapping(64, 40, 2, "tiny_mapping_40.pt")

    from image_synthesis.modeling.modules.clip import clip, model as clip_model
    torch.manual_seed(3)
    tiny_clip = clip_model.CLIP(embed_dim=64, image_resolution=32, vision_layers=1, vision_width=64,
                                vision_patch_size=16, context_length=77, vocab_size=vocab, transformer_width=64,
                                transformer_heads=1, transformer_layers=2)
    randomize(tiny_clip, 3, scale=0.3)
    clip.load = lambda name, device="cpu", jit=False: (tiny_clip, None)

    from image_synthesis.modeling.build import build_model
    model = shrink_learned_cf(build_model(read_yaml("tiny_text.yaml")))
    randomize(model.transformer.transformer, 4)
    with torch.no_grad():
        model.transformer.empty_text_embed.copy_(torch.randn(77, 64, dtype=torch.float64,
                                                             generator=torch.Generator().manual_seed(5)))
    solver_checkpoint(model, "tiny_text.pth", 6)


def build_class(upstream):
    imagenet = read_yaml(os.path.join(upstream, "configs/imagenet.yaml"))
    taming = read_yaml(os.path.join(upstream, "OUTPUT/pretrained_model/taming_dvae/vqgan_imagenet_f16_16384.yaml"))
    write_yaml(shrink_vq(taming), "tiny_taming_vq.yaml")
    write_yaml(shrink_class_config(imagenet), "tiny_class.yaml")
    from image_synthesis.taming.models.vqgan import VQModel
    codec = VQModel(**read_yaml("tiny_taming_vq.yaml")["model"]["params"])
    randomize(codec, 21)
    lightning_checkpoint(codec, "tiny_taming_vq.pth", {"loss.discriminator.main.0.weight": (8, 3, 4, 4),
                                                       "loss.perceptual_loss.lin0.model.1.weight": (1, 8, 1, 1)})
    mapping(48, 30, 22, "tiny_mapping_30.pt")
    from image_synthesis.modeling.build import build_model
    # imagenet_learnable.pth was trained with inference_VQ_Diffusion's imagenet_cf: class_number 1001, the last
    # class embedding being the unconditional label 1000 that C_DALLE guides with
    config = read_yaml("tiny_class.yaml")
    config["model"]["params"]["diffusion_config"]["params"]["transformer_config"]["params"]["class_number"] = 1001
    model = build_model(config)
    randomize(model.transformer.transformer, 23)
    solver_checkpoint(model, "tiny_class.pth", 24)
    # imagenet_pretrained.pth: 1000 class embeddings; the unconditional label 1000 then takes their mean. This one
    # holds the model alone (no ema, no optimizer), which the release's loader accepts as well
    state = torch.load("tiny_class.pth", map_location="cpu")["model"]
    for key in list(state):
        if key.startswith("transformer.transformer.blocks.") and key.endswith(".ln2.emb.weight"):
            state[key] = state[key][:1000].clone()
    save_gpu_style({"epoch": 30, "model": state}, "tiny_class_pretrained.pth")


def bad_ema_checkpoint(path):
    """A checkpoint whose ema names a tensor its model does not have (the converter must refuse it)."""
    save_gpu_style({"model": {"transformer.w": torch.zeros(2)}, "ema": {"w": torch.ones(2), "extra.w": torch.ones(2)}},
                   path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True, help="an extracted checkout of microsoft/VQ-Diffusion")
    ap.add_argument("--tokenizer", default="sample-data/model/tokenizer",
                    help="a CLIP-layout tokenizer folder (vqgen's tiny one by default)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    upstream = os.path.abspath(args.upstream)
    tokenizer = os.path.abspath(args.tokenizer)
    sys.path.insert(0, upstream)
    install_shims()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    os.chdir(args.out)  # the configs name their codec files relative to where the model runs, as the release's do
    build_text(upstream, tokenizer)
    build_class(upstream)
    bad_ema_checkpoint("bad_ema.pth")
    capture_tokens()
    text_cases = text_goldens(".")
    class_cases = class_goldens(".")
    with open("cases.json", "w") as f:
        json.dump({"text": text_cases, "class": class_cases}, f, indent=1)


if __name__ == "__main__":
    main()
