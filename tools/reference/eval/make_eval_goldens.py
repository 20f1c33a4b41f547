#!/usr/bin/python3
"""Goldens for vqgen's evaluation metrics (CLIP score, FID), computed by the upstream Python implementations.

Runs on Debian 12's python3-torch 1.13 / python3-torchvision 0.14 / python3-scipy / python3-pil (Pillow 9.4)
with upstream sources on PYTHONPATH (see README.md in this folder for the exact versions and how to fetch them):

  * torchmetrics 1.3.2: ``_clip_score_update`` (per-pair 100·cos) and ``CLIPScore.compute`` (mean, clamped at 0)
  * OpenAI's CLIP (github.com/openai/CLIP, ``clip/model.py``): the reference ViT CLIP the HF CLIPModel was
    converted from. transformers 4.30 itself cannot be fetched here (its repository exceeds the fetch limit); the
    HF-layout weights are mapped to OpenAI's layout exactly as transformers' convert_clip_original_pytorch_to_hf.py
    maps them the other way, and ``get_text_features`` pools at ``argmax(input_ids)`` as transformers 4.30 does.
  * CLIPImageProcessor 4.30's steps, on Pillow (resize with Pillow, center crop, rescale, normalise; see
    ``clip_processor``), cross-checked against OpenAI's own preprocessing where the two must agree
  * pytorch-fid 0.3.0: ``InceptionV3([3])`` with the FID Inception blocks, ``calculate_frechet_distance``
  * clean-fid (commit e88c4d6): ``make_resizer("PIL", False, "bicubic", (299, 299))`` for the "clean" convention

The networks are the random-weight ones vqgen writes (``init-model --preset clip-tiny --tokenizer
../shared/reference/tokenizer-clip --seed 0`` and ``init-model --preset fid-inception --seed 0``); their sha256
goes into goldens.json so that a test can tell that it regenerated the same weights.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

torch.set_num_threads(1)


# ---------------------------------------------------------------- files

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_safetensors(path):
    """A plain reader of the standard layout (the compiled safetensors package is not installable here)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", (name, e["dtype"])
        a, b = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(e["shape"]).copy())
    return out


def save_npy(out, name, array):
    np.save(os.path.join(out, name), np.ascontiguousarray(array))


# ---------------------------------------------------------------- test images

def make_images(out_dir):
    """Deterministic test images: smooth gradients, shapes and mild noise; several sizes, modes and aspect ratios."""
    rng = np.random.RandomState(2024)
    specs = [("square256", 256, 256, "RGB"), ("landscape300x200", 300, 200, "RGB"), ("portrait97x143", 97, 143, "RGB"),
             ("tiny32", 32, 32, "RGB"), ("fid299", 299, 299, "RGB"), ("gray64x48", 64, 48, "L"),
             ("rgba80", 80, 80, "RGBA"), ("palette120x90", 120, 90, "P")]
    names = []
    for name, w, h, mode in specs:
        y, x = np.mgrid[0:h, 0:w].astype(np.float64)
        r = 127 + 100 * np.sin(x / (7 + rng.rand() * 20) + rng.rand() * 6)
        g = 127 + 100 * np.cos(y / (5 + rng.rand() * 15) + x / 40.0)
        b = 255.0 * (x + y) / (w + h)
        cx, cy, rad = rng.rand() * w, rng.rand() * h, (0.2 + 0.3 * rng.rand()) * min(w, h)
        disc = (x - cx) ** 2 + (y - cy) ** 2 < rad ** 2
        r[disc], g[disc], b[disc] = 240, 30, 60
        img = np.stack([r, g, b], -1) + rng.normal(0, 6, (h, w, 3))
        img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
        pil = Image.fromarray(img, "RGB")
        if mode == "L":
            pil = pil.convert("L")
        elif mode == "RGBA":
            alpha = np.clip(rng.rand(h, w) * 255, 0, 255).astype(np.uint8)
            pil = Image.fromarray(np.dstack([img, alpha]), "RGBA")
        elif mode == "P":
            pil = pil.convert("P", palette=Image.ADAPTIVE, colors=64)
        pil.save(os.path.join(out_dir, name + ".png"))
        names.append(name)
    return names


def load_rgb(path):
    return np.asarray(Image.open(path).convert("RGB"))  # pytorch-fid, clean-fid and CLIP users load images so


# ---------------------------------------------------------------- CLIPImageProcessor (transformers 4.30's steps)

def clip_processor(rgb, pp):
    """CLIPImageProcessor.preprocess of one uint8 HWC image: resize (shortest edge, Pillow), center crop, rescale,
    normalise; returns (uint8 crop HWC, float32 CHW pixel values)."""
    h, w = rgb.shape[:2]
    edge = pp["size"]["shortest_edge"]
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = edge, int(edge * long / short)                  # get_resize_output_image_size
    oh, ow = (new_long, new_short) if w <= h else (new_short, new_long)
    img = np.array(Image.fromarray(rgb).resize((ow, oh), resample=pp["resample"], reducing_gap=None))
    ch, cw = pp["crop_size"]["height"], pp["crop_size"]["width"]
    top, left = (oh - ch) // 2, (ow - cw) // 2                            # image_transforms.center_crop
    if top >= 0 and left >= 0 and top + ch <= oh and left + cw <= ow:
        img = img[top:top + ch, left:left + cw]
    else:
        nh, nw = max(ch, oh), max(cw, ow)
        padded = np.zeros((nh, nw, 3), dtype=img.dtype)
        tp, lp = (nh - oh) // 2, (nw - ow) // 2
        padded[tp:tp + oh, lp:lp + ow] = img
        top, left = top + tp, left + lp
        img = padded[max(0, top):min(nh, top + ch), max(0, left):min(nw, left + cw)]
    x = (img.astype(np.float64) * pp["rescale_factor"]).astype(np.float32)  # rescale
    mean = np.array(pp["image_mean"], dtype=np.float32)
    std = np.array(pp["image_std"], dtype=np.float32)
    x = (x - mean) / std                                                  # normalize (float32)
    return img, np.ascontiguousarray(x.transpose(2, 0, 1))


# ---------------------------------------------------------------- OpenAI CLIP built from HF-layout weights

def openai_state_dict(hf):
    """transformers' convert_clip_original_pytorch_to_hf.py mapping, read backwards."""
    sd = {}

    def blocks(src, dst):
        i = 0
        while f"{src}.encoder.layers.{i}.layer_norm1.weight" in hf:
            s, d = f"{src}.encoder.layers.{i}.", f"{dst}.resblocks.{i}."
            sd[d + "attn.in_proj_weight"] = torch.cat([hf[s + f"self_attn.{p}_proj.weight"] for p in "qkv"])
            sd[d + "attn.in_proj_bias"] = torch.cat([hf[s + f"self_attn.{p}_proj.bias"] for p in "qkv"])
            for a, b in [("attn.out_proj", "self_attn.out_proj"), ("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"),
                         ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")]:
                sd[d + a + ".weight"] = hf[s + b + ".weight"]
                sd[d + a + ".bias"] = hf[s + b + ".bias"]
            i += 1

    sd["token_embedding.weight"] = hf["text_model.embeddings.token_embedding.weight"]
    sd["positional_embedding"] = hf["text_model.embeddings.position_embedding.weight"]
    blocks("text_model", "transformer")
    sd["ln_final.weight"] = hf["text_model.final_layer_norm.weight"]
    sd["ln_final.bias"] = hf["text_model.final_layer_norm.bias"]
    sd["text_projection"] = hf["text_projection.weight"].t().contiguous()
    sd["visual.conv1.weight"] = hf["vision_model.embeddings.patch_embedding.weight"]
    sd["visual.class_embedding"] = hf["vision_model.embeddings.class_embedding"]
    sd["visual.positional_embedding"] = hf["vision_model.embeddings.position_embedding.weight"]
    sd["visual.ln_pre.weight"] = hf["vision_model.pre_layrnorm.weight"]
    sd["visual.ln_pre.bias"] = hf["vision_model.pre_layrnorm.bias"]
    blocks("vision_model", "visual.transformer")
    sd["visual.ln_post.weight"] = hf["vision_model.post_layernorm.weight"]
    sd["visual.ln_post.bias"] = hf["vision_model.post_layernorm.bias"]
    sd["visual.proj"] = hf["visual_projection.weight"].t().contiguous()
    sd["logit_scale"] = hf["logit_scale"]
    return sd


def openai_clip(hf):
    """clip.model.build_model's shape inference and CLIP(...), without its conversion of weights to float16."""
    from clip.model import CLIP
    sd = openai_state_dict(hf)
    vision_width = sd["visual.conv1.weight"].shape[0]
    vision_layers = len([k for k in sd if k.startswith("visual.") and k.endswith(".attn.in_proj_weight")])
    patch = sd["visual.conv1.weight"].shape[-1]
    grid = round((sd["visual.positional_embedding"].shape[0] - 1) ** 0.5)
    width = sd["ln_final.weight"].shape[0]
    model = CLIP(sd["text_projection"].shape[1], patch * grid, vision_layers, vision_width, patch,
                 sd["positional_embedding"].shape[0], sd["token_embedding.weight"].shape[0], width, width // 64,
                 len(set(k.split(".")[2] for k in sd if k.startswith("transformer.resblocks"))))
    model.load_state_dict(sd)
    return model.eval()


class Config:
    class text_config:
        max_position_embeddings = 77


class HfClipAdapter:
    """What torchmetrics calls on a transformers CLIPModel, answered by OpenAI's CLIP with 4.30's semantics."""

    def __init__(self, model, dtype):
        self.model, self.dtype, self.config = model, dtype, Config()

    def get_image_features(self, pixel_values):
        return self.model.encode_image(pixel_values.to(self.dtype))

    def get_text_features(self, input_ids, attention_mask):
        # OpenAI's text tower takes exactly 77 positions; padding after the pooled (first argmax) position changes
        # nothing under the causal mask, and padding with <|endoftext|> (the largest id) keeps the argmax.
        ids = F.pad(input_ids, (0, 77 - input_ids.shape[1]), value=EOT)
        return self.model.encode_text(ids)


class HfProcessorAdapter:
    """CLIPProcessor(text=..., images=..., return_tensors="pt", padding=True): tokenizer ids padded to the longest
    with <|endoftext|> (the openai/clip-* pad token), attention mask, and CLIPImageProcessor pixel values."""

    def __init__(self, tokenizer, pp):
        self.tokenizer, self.pp = tokenizer, pp

    def __call__(self, text, images, return_tensors, padding):
        ids = [[SOT] + self.tokenizer.encode(t) + [EOT] for t in text]
        n = max(len(i) for i in ids)
        input_ids = torch.tensor([i + [EOT] * (n - len(i)) for i in ids])
        mask = torch.tensor([[1] * len(i) + [0] * (n - len(i)) for i in ids])
        pixels = torch.from_numpy(np.stack([clip_processor(im.permute(1, 2, 0).numpy(), self.pp)[1] for im in images]))
        return {"input_ids": input_ids, "attention_mask": mask, "pixel_values": pixels}


SOT, EOT = 49406, 49407


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip-model", required=True)
    ap.add_argument("--fid-weights", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = args.out
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    os.makedirs(os.path.join(out, "expected"), exist_ok=True)
    names = make_images(os.path.join(out, "images"))
    rgbs = [load_rgb(os.path.join(out, "images", n + ".png")) for n in names]
    goldens = {"images": names, "float64_vs_float32": {}}

    # ---- Pillow resampling (8-bit and float), CLIPImageProcessor at 224 (ViT-B/32) and at the tiny model's size
    resize_cases = []
    for filt_name, filt in [("bicubic", 3), ("bilinear", 2), ("lanczos", 1), ("box", 4), ("hamming", 5)]:
        for (w, h) in [(123, 77), (157, 229)]:
            f = f"resize_landscape300x200_{filt_name}_{w}x{h}.png"
            Image.fromarray(rgbs[1]).resize((w, h), resample=filt).save(os.path.join(out, "expected", f))
            resize_cases.append({"image": "landscape300x200", "filter": filt, "width": w, "height": h, "file": f})
    plane = rgbs[2][:, :, 0].astype(np.float32) * 1.37 - 20.5
    for (w, h) in [(41, 29), (160, 200)]:
        r = np.asarray(Image.fromarray(plane, mode="F").resize((w, h), resample=Image.BICUBIC))
        save_npy(os.path.join(out, "expected"), f"resize_float_portrait97x143_{w}x{h}.npy", r.astype(np.float32))
    goldens["resize"] = resize_cases
    goldens["resize_float"] = {"image": "portrait97x143", "plane": "red * 1.37 - 20.5 (float32)",
                               "sizes": [[41, 29], [160, 200]]}

    pp224 = {"size": {"shortest_edge": 224}, "crop_size": {"height": 224, "width": 224}, "resample": 3,
             "rescale_factor": 1 / 255, "image_mean": [0.48145466, 0.4578275, 0.40821073],
             "image_std": [0.26862954, 0.26130258, 0.27577711]}
    from clip.clip import _transform
    openai_pre = _transform(224)
    cross = {}
    for n, rgb in zip(names, rgbs):
        crop, pix = clip_processor(rgb, pp224)
        Image.fromarray(crop).save(os.path.join(out, "expected", f"clip224_{n}.png"))
        # OpenAI's preprocessing (torchvision on Pillow) rounds the crop offset instead of flooring it; where both
        # give the same offset the two pipelines must agree to float32 rounding.
        ref = openai_pre(Image.fromarray(rgb)).numpy()
        cross[n] = float(np.abs(ref - pix).max())
    goldens["clip224_vs_openai_preprocess_max_abs"] = cross

    with open(os.path.join(args.clip_model, "preprocessor_config.json")) as f:
        pp = json.load(f)
    clip_pixels = np.stack([clip_processor(rgb, pp)[1] for rgb in rgbs])
    save_npy(os.path.join(out, "expected"), "clip_tiny_pixel_values.npy", clip_pixels)

    # ---- CLIP features and torchmetrics' CLIP score
    from clip.simple_tokenizer import SimpleTokenizer
    from torchmetrics.functional.multimodal.clip_score import _clip_score_update
    from torchmetrics.multimodal.clip_score import CLIPScore
    import clip.model as clip_model_module

    hf = read_safetensors(os.path.join(args.clip_model, "model.safetensors"))
    prompts = ["a red double decker bus driving down a busy street", "two cats sleeping on a couch",
               "A photo of a Café in Zürich — with ümlauts!", "", "a  bowl   of\tfruit\non a table",
               " ".join(["a very long caption about a kitchen with many things in it"] * 8),
               "a man riding a wave on top of a surfboard", "3 dogs, 2 cats and 1 horse"]
    tokenizer = SimpleTokenizer()
    processor = HfProcessorAdapter(tokenizer, pp)
    images_t = [torch.from_numpy(rgb.copy()).permute(2, 0, 1) for rgb in rgbs]
    model32 = openai_clip(hf)
    with torch.no_grad():
        score32, count = _clip_score_update(images_t, prompts, HfClipAdapter(model32, torch.float32), processor)
        enc = processor(text=prompts, images=images_t, return_tensors="pt", padding=True)
        img32 = model32.encode_image(enc["pixel_values"])
        txt32 = HfClipAdapter(model32, torch.float32).get_text_features(enc["input_ids"][:, :77], None)
        metric = CLIPScore.__new__(CLIPScore)  # the metric's own update/compute, without its hub download
        torch.nn.Module.__init__(metric)
        from torchmetrics import Metric
        Metric.__init__(metric)
        metric.model, metric.processor = HfClipAdapter(model32, torch.float32), processor
        metric.add_state("score", torch.tensor(0.0), dist_reduce_fx="sum")
        metric.add_state("n_samples", torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")
        metric.update(images_t, prompts)
        clip_score = float(metric.compute())
        # float64: the same modules in double precision (OpenAI's LayerNorm casts to float32; plain LayerNorm here)
        clip_model_module.LayerNorm.forward = torch.nn.LayerNorm.forward
        model64 = openai_clip(hf).double()
        score64, _ = _clip_score_update(images_t, prompts, HfClipAdapter(model64, torch.float64), processor)
        img64 = model64.encode_image(enc["pixel_values"].double())
        txt64 = HfClipAdapter(model64, torch.float64).get_text_features(enc["input_ids"][:, :77], None)
    save_npy(os.path.join(out, "expected"), "clip_image_features.npy", img32.numpy().astype(np.float32))
    save_npy(os.path.join(out, "expected"), "clip_text_features.npy", txt32.numpy().astype(np.float32))
    goldens["clip"] = {
        "model_sha256": sha256(os.path.join(args.clip_model, "model.safetensors")),
        "prompts": prompts,
        "input_ids": [[SOT] + tokenizer.encode(t) + [EOT] for t in prompts],
        "scores": [float(s) for s in score32],
        "scores_float64": [float(s) for s in score64],
        "clip_score": clip_score,
        "clip_score_unclamped_mean": float(score32.double().mean()),
        "n": int(count),
    }
    goldens["float64_vs_float32"]["clip_image_features"] = float((img64 - img32.double()).abs().max())
    goldens["float64_vs_float32"]["clip_text_features"] = float((txt64 - txt32.double()).abs().max())
    goldens["float64_vs_float32"]["clip_scores"] = float((score64 - score32.double()).abs().max())

    # ---- FID: pytorch-fid's InceptionV3 on the random FID weights, both resize conventions
    import pytorch_fid.inception as pfi
    from pytorch_fid.fid_score import calculate_frechet_distance
    sd = read_safetensors(args.fid_weights)
    pfi.load_state_dict_from_url = lambda *a, **k: dict(sd)  # the weights vqgen wrote, not a download
    net = pfi.InceptionV3([3]).eval()
    net_raw = pfi.InceptionV3([3], resize_input=False, normalize_input=False).eval()
    sys.path.insert(0, os.path.join(os.environ.get("CLEANFID_SRC", "")))
    from cleanfid.resize import make_resizer
    clean_resize = make_resizer("PIL", False, "bicubic", (299, 299))
    feats = {}
    with torch.no_grad():
        tt = [torch.from_numpy(rgb.copy()).permute(2, 0, 1).float().div(255).unsqueeze(0) for rgb in rgbs]  # ToTensor
        f32 = torch.cat([net(t)[0].squeeze(-1).squeeze(-1) for t in tt])
        clean_in = [torch.from_numpy(clean_resize(rgb)).permute(2, 0, 1).unsqueeze(0) for rgb in rgbs]
        c32 = torch.cat([net_raw((c - 128) / 128)[0].squeeze(-1).squeeze(-1) for c in clean_in])
        net64 = net.double()
        f64 = torch.cat([net64(t.double())[0].squeeze(-1).squeeze(-1) for t in tt])
        net_raw64 = net_raw.double()
        c64 = torch.cat([net_raw64(((c - 128) / 128).double())[0].squeeze(-1).squeeze(-1) for c in clean_in])
    # pytorch-fid's weights file predates torch 1.6: the same state dict layout in torch's legacy (non-zip) format,
    # with the OrderedDict's _metadata and BatchNorm's int64 num_batches_tracked, for the first conv block
    from collections import OrderedDict
    full = pfi.fid_inception_v3().state_dict()
    part = OrderedDict((k, v) for k, v in full.items() if k.startswith("Conv2d_1a_3x3."))
    part._metadata = full._metadata
    torch.save(part, os.path.join(out, "expected", "legacy_conv2d_1a.pth"), _use_new_zipfile_serialization=False)
    feats["pytorch-fid"], feats["clean"] = f32.numpy(), c32.numpy()
    save_npy(os.path.join(out, "expected"), "fid_pool3_pytorch-fid.npy", feats["pytorch-fid"])
    save_npy(os.path.join(out, "expected"), "fid_pool3_clean.npy", feats["clean"])
    goldens["float64_vs_float32"]["fid_pool3_pytorch-fid"] = float((f64 - f32.double()).abs().max())
    goldens["float64_vs_float32"]["fid_pool3_clean"] = float((c64 - c32.double()).abs().max())
    fid = {"weights_sha256": sha256(args.fid_weights), "split": [4, 4]}
    for mode, act in feats.items():
        a, b = act[:4].astype(np.float64), act[4:].astype(np.float64)
        fid[mode] = float(calculate_frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0),
                                                     np.cov(b, rowvar=False)))
    # a well-conditioned case (n > d) on synthetic features, for the Fréchet distance alone
    rng = np.random.RandomState(7)
    mix = rng.normal(size=(48, 48)) / 7
    x1 = (rng.normal(size=(300, 48)) @ mix + 0.3).astype(np.float32)
    x2 = (rng.normal(size=(200, 48)) @ (mix + 0.05 * rng.normal(size=(48, 48))) + 0.25).astype(np.float32)
    save_npy(os.path.join(out, "expected"), "frechet_x1.npy", x1)
    save_npy(os.path.join(out, "expected"), "frechet_x2.npy", x2)
    d1, d2 = x1.astype(np.float64), x2.astype(np.float64)
    fid["synthetic"] = float(calculate_frechet_distance(d1.mean(0), np.cov(d1, rowvar=False), d2.mean(0),
                                                        np.cov(d2, rowvar=False)))
    goldens["fid"] = fid

    with open(os.path.join(out, "goldens.json"), "w") as f:
        json.dump(goldens, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
