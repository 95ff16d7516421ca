"""Device choice: CPU always works; an unavailable or unknown device is a DeviceError that says
what to use instead."""

from __future__ import annotations

import pytest
import torch

from napari_everyclick.core.errors import DeviceError, EveryClickError
from napari_everyclick.inference.device import DEVICES, resolve_device
from napari_everyclick.inference.factory import make_predictor, random_segmenter
from napari_everyclick.inference.predictor import PredictorConfig
from napari_everyclick.models.hrnet_ocr import HRNetOCR

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")


def test_cpu():
    assert resolve_device("cpu") == torch.device("cpu")


def test_auto_is_cpu_without_accelerators(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device() == torch.device("cpu")


def test_auto_prefers_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


@no_cuda
@pytest.mark.parametrize("name", ["cuda", "cuda:0", "cuda:1"])
def test_cuda_unavailable_is_a_clear_device_error(name):
    with pytest.raises(DeviceError, match="CUDA is not available") as err:
        resolve_device(name)
    message = str(err.value)
    assert repr(name) in message and "'cpu'" in message
    assert isinstance(err.value, EveryClickError) and isinstance(err.value, RuntimeError)


def test_mps_unavailable_is_a_device_error(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="MPS is not available"):
        resolve_device("mps")


@pytest.mark.parametrize("name", ["tpu", "gpu", "CPU", "", "cuda0"])
def test_unknown_device_is_a_device_error(name):
    with pytest.raises(DeviceError, match="unknown device") as err:
        resolve_device(name)
    for known in DEVICES:
        assert known in str(err.value)


@no_cuda
def test_predictors_refuse_an_unavailable_device():
    with pytest.raises(DeviceError):
        random_segmenter("ritm", device="cuda", backend="torch")
    with pytest.raises(DeviceError):
        make_predictor("x", "ritm", HRNetOCR(), PredictorConfig(), device="tpu", backend="torch")


def test_malformed_cuda_name_is_unknown_even_with_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    for name in ("cuda:x", "cuda:", "cuda:-1", "cuda:0:1"):
        with pytest.raises(DeviceError, match="unknown device"):
            resolve_device(name)


def test_cuda_index_beyond_the_devices_is_a_device_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("cuda:1") == torch.device("cuda:1")
    with pytest.raises(DeviceError, match="2 CUDA devices") as err:
        resolve_device("cuda:2")
    assert "'cuda:2'" in str(err.value)
