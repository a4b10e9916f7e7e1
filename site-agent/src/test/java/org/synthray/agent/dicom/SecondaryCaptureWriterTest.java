package org.synthray.agent.dicom;

import static org.junit.jupiter.api.Assertions.*;

import ij.IJ;
import ij.ImagePlus;
import ij.util.DicomTools;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecondaryCaptureWriterTest {
    @TempDir
    Path dir;

    @Test
    void probe() throws Exception {
        int w = 7, h = 5;
        float[] px = new float[w * h];
        for (int i = 0; i < px.length; i++) px[i] = i / (float) (px.length - 1);
        Path f = dir.resolve("a.dcm");
        new SecondaryCaptureWriter().write(px, w, h, SyntheticProvenance.of("abc", 7), f);
        ImagePlus imp = IJ.openImage(f.toString());
        System.out.println(imp + " bitDepth " + imp.getBitDepth() + " min " + imp.getDisplayRangeMin() + " max " + imp.getDisplayRangeMax());
        System.out.println(imp.getInfoProperty());
        System.out.println("tag [" + DicomTools.getTag(imp, "0008,0008") + "]");
        System.out.println(imp.getProcessor().get(6, 4) + " " + imp.getCalibration().getCValue(0) + " " + imp.getCalibration().calibrated());
    }
}
