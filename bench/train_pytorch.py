#!/usr/bin/python3
"""The training loop of `podclean train` in Python with Debian's python3-torch, for
bench/train_vs_pytorch.sh: the same networks (src/model/conv2d.cpp, gru.cpp), data
(a prep dataset's .npy files, normalised with its statistics), batch, AdamW with cosine
decay, class-weighted cross entropy, validation and a checkpoint each epoch; no
augmentation (the podclean run turns its own off). Prints examples/s of training,
the first epoch (warm-up) left out.
Usage: train_pytorch.py DATASET conv2d|gru EPOCHS BATCH THREADS"""
import json, math, sys, tempfile, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Conv2dNet(nn.Module):
    def __init__(self, features, classes, channels=16, layers=3, hidden=64, kernel=3, dropout=0.2):
        super().__init__()
        blocks, c_in, c_out = [], 1, channels
        for _ in range(layers):
            blocks += [nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2), nn.BatchNorm2d(c_out), nn.ReLU(),
                       nn.MaxPool2d(2, ceil_mode=True)]
            c_in, c_out = c_out, min(c_out * 2, channels * 4)
        blocks.append(nn.AdaptiveMaxPool2d((4, 1)))
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(c_in * 4, hidden), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(hidden, classes))

    def forward(self, x):  # [B, T, F]
        return self.head(self.blocks(x.transpose(1, 2).unsqueeze(1)))


class GruNet(nn.Module):
    def __init__(self, features, classes, channels=32, layers=1, hidden=64, kernel=3):
        super().__init__()
        self.kernel = kernel
        self.front = nn.Conv1d(features, channels, kernel)
        self.gru = nn.GRU(channels, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        padded = F.pad(x.transpose(1, 2), (self.kernel - 1, 0))
        out, _ = self.gru(torch.relu(self.front(padded)).transpose(1, 2))
        return self.head(out).mean(1)


def main():
    ds, arch, epochs, batch, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    manifest = json.load(open(f"{ds}/manifest.json"))
    mean = torch.tensor(manifest["norm_stats"]["mean"], dtype=torch.float32)
    std = torch.tensor(manifest["norm_stats"]["std"], dtype=torch.float32)
    load = lambda split: ((torch.from_numpy(np.load(f"{ds}/{split}_x.npy")) - mean) / std,
                          torch.from_numpy(np.load(f"{ds}/{split}_y.npy")).long())
    (x, y), (vx, vy) = load("train"), load("val")
    classes = len(manifest["labels"])
    net = (Conv2dNet if arch == "conv2d" else GruNet)(x.shape[2], classes)
    counts = torch.bincount(y, minlength=classes).float().clamp_min(1)
    weights = counts.sum() / counts
    weights = weights / weights.mean()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-3)
    checkpoint = tempfile.NamedTemporaryFile(suffix=".pt")
    seconds = []
    for epoch in range(epochs):
        start = time.perf_counter()
        for group in opt.param_groups:
            group["lr"] = 2e-3 * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * epoch / max(1, epochs - 1))))
        net.train()
        order = torch.randperm(len(x))
        for b in range(0, len(x), batch):
            index = order[b:b + batch]
            opt.zero_grad()
            loss = F.cross_entropy(net(x[index]), y[index], weight=weights)
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            for b in range(0, len(vx), 256):
                logits = net(vx[b:b + 256])
                F.cross_entropy(logits, vy[b:b + 256], weight=weights).item()
                (logits.argmax(-1) == vy[b:b + 256]).sum().item()
        torch.save(net.state_dict(), checkpoint.name)
        seconds.append(time.perf_counter() - start)
    print(f"{len(x) * (epochs - 1) / sum(seconds[1:]):.0f}")


main()
